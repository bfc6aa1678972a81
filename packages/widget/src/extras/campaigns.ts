// The campaigns extra (docs/campaigns.md): proactive messages, imported only when the widget's public config has
// live campaigns, so a widget without any costs the core nothing but the import line. Evaluates each campaign's
// trigger, pages, audience and frequency cap here in the browser, shows the chosen one as a message of its sender
// (the core's peek above the launcher and/or the opened window, quick replies included), and counts it.
import type { CampaignBeaconEventType, Message, PublicCampaign } from '@parley/protocol';
import type { WidgetController } from '../api/widget-controller.js';
import type { Persisted } from '../core/persist.js';
import { audienceMatches, capAllows, hoursOpenAt, pagesMatch, pickCampaign } from './campaign-match.js';

/** This tab's browsing session (sessionStorage): when it began, and the campaigns it showed. */
interface TabVisit {
  readonly start: number;
  readonly shown: readonly string[];
}

/** Narrower than this, `both` shows the peek only: an opened window would cover the page. */
const WIDE = '(min-width: 640px)';

/**
 * Starts watching for the widget's campaigns. `tracks` holds the `Parley('track', name, data)` calls made so far;
 * later ones are handed over as they come.
 */
export function startCampaigns(ctl: WidgetController, tracks: unknown[][]): void {
  const { store, persist, share } = ctl;
  const block = store.state.config.campaigns;
  if (block === undefined || ctl.widgetId === null) return;
  const widgetId = ctl.widgetId;
  const tabKey = `parley:campaigns:${widgetId}`;
  // The consent gate: nothing goes into the browser's storage before the visitor accepted (persist.update holds it too).
  const mayStore = (): boolean => persist.ask === undefined || persist.read().consent === persist.ask;

  let visit: TabVisit = { start: Date.now(), shown: [] };
  try {
    const kept: unknown = JSON.parse(sessionStorage.getItem(tabKey) ?? 'null');
    if (isTabVisit(kept)) visit = kept;
  } catch {
    // No session storage (sandboxed frame, privacy mode): this page is the session.
  }
  const saveVisit = (): void => {
    try {
      if (mayStore()) sessionStorage.setItem(tabKey, JSON.stringify(visit));
    } catch {
      // As above: kept in memory for this page.
    }
  };
  saveVisit();

  const stored = persist.read();
  // Returning: a conversation is stored, or a visit of an earlier browsing session is.
  const returning =
    stored.session !== null || stored.messages.length > 0 || (stored.firstVisit !== undefined && stored.firstVisit !== visit.start);
  if (stored.firstVisit === undefined) persist.update(() => ({ firstVisit: visit.start }));
  // A returning visitor's greeting (`greeting.returning`) instead of the widget's, in every config the widget loads.
  const greeting = block.returningGreeting;
  // Sent with the session request (the core's `opener`): the server stores the greeting the visitor saw.
  const opener = returning && greeting !== undefined ? { greeting: 'returning' as const } : {};
  store.set({ opener });
  if (returning && greeting !== undefined) {
    const greet = (): void => {
      const { config } = store.state;
      if (config.strings.initial !== greeting) store.set({ config: { ...config, strings: { ...config.strings, initial: greeting } } });
    };
    store.subscribe(greet);
    greet();
  }

  let shown: PublicCampaign | undefined;

  /** Whether a campaign applies now; `stored` is the browser's copy, read once for the moment's candidates. */
  const eligible = (campaign: PublicCampaign, { campaigns }: Persisted): boolean => {
    const { config } = store.state;
    // Browsers may hold the config a few minutes (max-age, stale-while-revalidate): an ended campaign stops here.
    if (campaign.endsAt !== undefined && Date.now() >= Date.parse(campaign.endsAt)) return false;
    const [href = ''] = location.href.split('#');
    const profile = share.profile();
    return (
      pagesMatch(campaign.pages, { href, path: location.pathname + location.search }) &&
      audienceMatches(campaign.audience, {
        returning,
        identified: profile.identity !== null,
        language: config.language,
        attributes: profile.attributes,
        open: block.businessHours === undefined || block.businessHours === null || hoursOpenAt(block.businessHours, new Date()),
      }) &&
      capAllows(
        campaign.cap,
        {
          ...(campaigns?.[campaign.id] === undefined ? {} : { lastShownAt: campaigns[campaign.id] }),
          shownThisSession: visit.shown.includes(campaign.id),
        },
        Date.now(),
      )
    );
  };

  /**
   * The campaigns of one moment (a trigger firing): the highest priority of those that apply now shows. Scrolling
   * calls this for every scroll event past a campaign's depth, so the storage (the whole conversation, parsed) is read
   * only when a campaign could still show, and once.
   */
  const consider = (candidates: readonly PublicCampaign[]): void => {
    // Proactive messages open conversations; one already going is not interrupted.
    if (shown !== undefined || candidates.length === 0 || store.state.messages.length > 0) return;
    const stored = persist.read();
    if (stored.session !== null || (persist.ask !== undefined && stored.consent !== persist.ask)) return;
    const chosen = pickCampaign(candidates.filter((campaign) => eligible(campaign, stored)));
    if (chosen !== undefined) show(chosen);
  };

  const show = (campaign: PublicCampaign): void => {
    shown = campaign;
    const now = Date.now();
    persist.update((current) => ({ campaigns: { ...current.campaigns, [campaign.id]: now } }));
    visit = { ...visit, shown: [...visit.shown, campaign.id] };
    saveVisit();
    const { quickReplies } = campaign.message;
    // Held in the view only (never stored, never sent): seq 0.5 sorts it before the conversation it may start.
    const message: Message = {
      id: `campaign-${campaign.id}`,
      conversationId: '',
      seq: 0.5,
      author: { role: campaign.sender.kind, id: campaign.id, name: campaign.sender.name },
      type: quickReplies.length > 0 ? 'quick_replies' : 'text',
      text: campaign.message.text,
      payload: quickReplies.length > 0 ? { replies: quickReplies } : null,
      clientId: null,
      createdAt: new Date(now).toISOString(),
    };
    // The session request names the campaign, so the conversation starts with this message from its sender.
    store.set((state) => ({ messages: [message, ...state.messages], opener: { ...opener, campaignId: campaign.id } }));
    // Once the conversation exists, its stored copy (payload.campaignId) replaces the view's, and a conversation started
    // later (after a restart) opens without the campaign.
    const settle = store.subscribe(() => {
      const { messages } = store.state;
      if (!messages.some((held) => held.seq >= 1)) return;
      settle();
      const stored = messages.some((held) => held.payload?.['campaignId'] === campaign.id);
      store.set({ opener, ...(stored ? { messages: messages.filter((held) => held.id !== message.id) } : {}) });
    });
    beacon('campaign_shown');
    const { display } = campaign;
    const peek = store.state.config.messagePeek && (display === 'peek' || (display === 'both' && !matchMedia(WIDE).matches));
    if (!peek) ctl.setOpen(true);
    watch();
  };

  /** Opened (the window shows the message) and replied (the visitor wrote after it): each counted once. */
  const watch = (): void => {
    let opened = false;
    const check = (): void => {
      const { open, layout, messages, outbox } = store.state;
      if (!opened && (open || layout !== 'bubble')) {
        opened = true;
        beacon('campaign_opened');
      }
      if (outbox.length > 0 || messages.some((message) => message.author.role === 'visitor')) {
        stop();
        if (!opened) beacon('campaign_opened');
        beacon('campaign_replied');
      }
    };
    const stop = store.subscribe(check);
    check();
  };

  const beacon = (type: CampaignBeaconEventType): void => {
    if (ctl.server === null || self.origin === 'null' || shown === undefined) return;
    void fetch(`${ctl.server}/v1/widgets/${encodeURIComponent(widgetId)}/events`, {
      method: 'POST',
      body: JSON.stringify({ type, campaign: shown.id }),
      keepalive: true,
      credentials: 'omit',
    }).catch(() => undefined);
  };

  // The server lists them highest priority first: timers set in that order fire in it when they fall due together.
  const of = <K extends PublicCampaign['trigger']['kind']>(kind: K) => block.items.filter((campaign) => campaign.trigger.kind === kind);
  for (const campaign of of('time_on_site')) {
    if (campaign.trigger.kind === 'time_on_site')
      setTimeout(() => consider([campaign]), Math.max(0, visit.start + campaign.trigger.seconds * 1000 - Date.now()));
  }

  // A page view: this document's, then each route change of a single-page site (the history API moving to another
  // path or query; a hash alone is the same page): page-view campaigns are considered for the new address and time on
  // page counts again from it.
  let pageTimers: ReturnType<typeof setTimeout>[] = [];
  let address = '';
  const pageView = (): void => {
    const now = location.pathname + location.search;
    if (now === address) return;
    address = now;
    for (const timer of pageTimers) clearTimeout(timer);
    pageTimers = of('time_on_page').map((campaign) =>
      setTimeout(() => consider([campaign]), campaign.trigger.kind === 'time_on_page' ? campaign.trigger.seconds * 1000 : 0),
    );
    consider(of('page_view'));
  };
  pageView();
  watchRoutes(pageView);

  const exit = of('exit_intent');
  // Exit intent is a desktop gesture: the pointer leaving through the top of the viewport (towards the tabs or the address bar).
  if (exit.length > 0 && matchMedia('(pointer: fine)').matches)
    document.addEventListener('mouseout', (event) => {
      if (event.relatedTarget === null && event.clientY <= 0) consider(exit);
    });

  const scroll = of('scroll_depth');
  if (scroll.length > 0) {
    const onScroll = (): void => {
      // One campaign a page: after it, scrolling has nothing left to show.
      if (shown !== undefined) return removeEventListener('scroll', onScroll);
      const root = document.documentElement;
      const depth = ((scrollY + innerHeight) / Math.max(root.scrollHeight, 1)) * 100;
      consider(scroll.filter((campaign) => campaign.trigger.kind === 'scroll_depth' && depth >= campaign.trigger.percent));
    };
    addEventListener('scroll', onScroll, { passive: true });
  }

  const named = of('event');
  const track = (args: unknown[]): number => {
    const [name] = args;
    consider(named.filter((campaign) => campaign.trigger.kind === 'event' && campaign.trigger.name === name));
    return 0;
  };
  for (const args of tracks.splice(0)) track(args);
  tracks.push = (...items: unknown[][]): number => {
    for (const args of items) track(args);
    return 0;
  };
}

/** Routers move with history.pushState/replaceState (no event) and back/forward (popstate): all three are heard. */
function watchRoutes(changed: () => void): void {
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      // After the router's own work in this turn (it may render the new page first).
      setTimeout(changed);
    };
  }
  addEventListener('popstate', () => setTimeout(changed));
}

function isTabVisit(value: unknown): value is TabVisit {
  return (
    typeof value === 'object' &&
    value !== null &&
    'start' in value &&
    typeof value.start === 'number' &&
    'shown' in value &&
    Array.isArray(value.shown)
  );
}
