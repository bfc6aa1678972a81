import { render } from 'preact';
import type { Message, PublicWidgetConfig } from '@parley/protocol';
import type { ChatSource, SourceContext } from '../core/chat-source.js';
import { Emitter } from '@parley/client';
import { ManagedSource } from '../core/managed-source.js';
import { PersistStore } from '../core/persist.js';
import { TabShare } from '../core/tab-share.js';
import { unreadCount, ViewStore, type ViewState } from '../core/view-store.js';
import { WidgetApp } from '../ui/widget-app.js';
import { CSS, themeVariables } from '../ui/styles.js';
import { fetchConfig } from './widget-config.js';
import { WidgetController } from './widget-controller.js';
import type { MountOptions, WidgetEventName, WidgetEvents, WidgetHandle } from './options.js';

export interface Placement {
  readonly host: HTMLElement;
  readonly remove: () => void;
}

/** The element the shadow root hangs on: the page's body (floating), a given element (inline), or the custom element. */
function place(options: MountOptions, key: string): Placement {
  if (options.host !== undefined) return { host: options.host, remove: () => undefined };
  const target = typeof options.target === 'string' ? document.querySelector<HTMLElement>(options.target) : options.target;
  const host = document.createElement('div');
  host.setAttribute('data-parley', key);
  (options.layout === 'inline' && target ? target : document.body).append(host);
  if (options.layout === 'inline') host.style.height = '100%';
  return { host, remove: () => host.remove() };
}

/**
 * One widget on the page: loads its config, puts its UI in a shadow root, shares one conversation
 * with the other tabs, and exposes the object API. Several instances live side by side, each with
 * its own storage key, channel and lock, so they never hear each other.
 */
export async function createWidget(options: MountOptions, server: string): Promise<WidgetHandle> {
  const managed = options.webhookUrl === undefined;
  if (managed && options.widgetId === undefined) throw new Error('Parley: pass a widgetId (data-parley-widget) or a webhookUrl');
  const key = options.storageKey ?? (managed ? (options.widgetId ?? '') : (options.webhookUrl ?? ''));
  const persist = new PersistStore(`parley:v1:${key}`);
  const stored = persist.read();
  // The page's choice, then the visitor's; the server weighs the browser's against the widget's own `language`.
  const language = options.language ?? stored.language ?? undefined;
  const direct = managed ? undefined : await import('./direct-entry.js');
  const config: PublicWidgetConfig =
    options.config ?? (direct ? direct.directConfig(options) : await fetchConfig(server, options.widgetId ?? '', language));
  const layout = options.layout ?? config.layout;
  // The consent gate: until the visitor accepts this version, nothing is stored and no connection opens (extras/privacy).
  const gate = (persist.ask = config.privacy.consent ? config.privacy.consentVersion : undefined) !== stored.consent;
  const open = layout !== 'bubble' || options.open === true || stored.open;

  const state: ViewState = {
    config,
    layout,
    messages: stored.messages,
    outbox: stored.outbox,
    typing: null,
    streams: [],
    agentReadSeq: 0,
    owner: null,
    presence: null,
    connection: { kind: 'idle' },
    open,
    launcher: options.hideLauncher !== true,
    maximized: false,
    draft: stored.draft,
    seenSeq: stored.seenSeq,
    done: stored.done,
    dialog: null,
    peekDismissed: 0,
    online: navigator.onLine,
    uploads: [],
    older: 'idle',
    gate,
  };
  const store = new ViewStore(state);
  // verbose: a console log of what the widget does, its own chunk, loaded only for a widget that asks.
  if (config.verbose) void import('../extras/verbose.js').then(({ logWidget }) => logWidget(key, store));
  let identity = options.identity ?? null;
  let attributes = { ...options.attributes };
  const createSource = (context: SourceContext): ChatSource => {
    if (options.source) return options.source(context);
    if (direct !== undefined) return direct.createDirectSource(options, context);
    return new ManagedSource(
      { baseUrl: server, widgetId: options.widgetId ?? '', ctl, ...(options.transports ? { transports: options.transports } : {}) },
      context,
    );
  };
  const share = new TabShare(`parley:v1:${key}`, persist, createSource, () => ({
    // The stored contact details and consent record, then what the page and the view say now.
    ...persist.read(),
    language: store.state.config.language,
    attributes,
    identity,
    opener: store.state.opener,
  }));
  const events = new Emitter<WidgetEvents>();
  const placement = place(options, key);
  const shadow = placement.host.shadowRoot ?? placement.host.attachShadow({ mode: 'open' });
  const root = document.createElement('div');
  // A constructed stylesheet, not a <style> element: a page whose CSP has no 'unsafe-inline' for styles still styles the widget.
  const sheet = new CSSStyleSheet();
  shadow.adoptedStyleSheets = [sheet];
  shadow.replaceChildren(root);
  const ctl = new WidgetController(store, share, persist, events, managed ? server : null, options.widgetId ?? null);
  const paint = () => {
    const { config: current } = store.state;
    const theme = { ...current.theme, ...pick(options) };
    const dark = theme.mode === 'dark' || (theme.mode === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
    sheet.replaceSync(`${CSS}.root{${themeVariables(theme, dark)}}${theme.customCss ?? ''}`);
    root.className = `root${layout === 'bubble' ? '' : ' fill'}${theme.position === 'bottom-left' ? ' left' : ''}${dark ? ' dark' : ''}`;
    root.dir = current.dir;
    root.lang = current.language;
  };
  paint();
  store.subscribe(() => {
    if (root.lang !== store.state.config.language) paint();
  });
  render(<WidgetApp ctl={ctl} />, root);
  // `Parley('track', …)` calls, for the campaigns extra: loaded only when the config has live campaigns.
  const tracks: unknown[][] = [];
  if (config.campaigns) void import('../extras/campaigns.js').then((extra) => extra.startCampaigns(ctl, tracks));
  if (!gate) share.start();
  // startFirst in a chat shown from the start (inline, fullscreen, reopened bubble): the bot's first turn is due now.
  if (open && config.startFirst && stored.session === null) share.ensureSession();
  // The page's own analytics hear every event as a `parley:<event>` DOM event, and through GTM's dataLayer when the
  // widget allows it: for a message only its kind and sender's role, never its words (nor who the visitor is).
  for (const name of ['ready', 'open', 'close', 'message', 'unread', 'handoff', 'rated', 'error'] as const)
    events.on(name, (payload: WidgetEvents[WidgetEventName]) => {
      const detail = {
        widget: key,
        ...(payload !== undefined && 'seq' in payload
          ? { conversationId: payload.conversationId, seq: payload.seq, kind: payload.type, role: payload.author.role }
          : payload),
      };
      window.dispatchEvent(new CustomEvent(`parley:${name}`, { detail }));
      if (config.analytics.dataLayer)
        ((window as { dataLayer?: object[] }).dataLayer ??= []).push({ event: `parley_${name}`, parley: detail });
    });

  const handle: WidgetHandle = {
    key,
    open: (target) => {
      ctl.setOpen(true);
      // One of the visitor's conversations by id: the conversations extra checks and switches; the core only passes it on.
      if (target) void import('../extras/conversations.js').then((extra) => extra.openConversation(ctl, target, events));
    },
    close: () => ctl.setOpen(false),
    toggle: () => ctl.setOpen(!store.state.open),
    show: () => store.set({ launcher: true }),
    hide: () => store.set({ launcher: false, ...(layout === 'bubble' ? { open: false } : {}) }),
    identify: (next) => {
      const changed = identity?.userId !== next.userId;
      identity = { userId: next.userId, userHash: next.userHash };
      // A different person: their conversation is not this one (the server resumes theirs on the next session).
      if (changed && store.state.messages.length > 0) void share.restart();
    },
    // Kept for the next conversation, and sent to this one's contact now (managed mode, once a conversation exists).
    setAttributes: (next) => void ctl.post('attributes', (attributes = { ...attributes, ...next })),
    setLocale: (next) => ctl.setLocale(next),
    send: (text) => ctl.send(text),
    track: (...args) => config.campaigns && tracks.push(args),
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    shutdown: () => {
      // The visitor logged out of the site: who they were goes too, not only what was stored.
      identity = null;
      attributes = {};
      ctl.shutdown();
    },
    destroy: () => {
      share.close();
      render(null, root);
      placement.remove();
    },
    isOpen: () => store.state.open,
  };
  queueMicrotask(() => {
    events.emit('ready', { widgetId: key });
    if (unreadCount(store.state) > 0) events.emit('unread', { count: unreadCount(store.state) });
  });
  return handle;
}

function pick(options: MountOptions) {
  return {
    ...(options.position === undefined ? {} : { position: options.position }),
    ...(options.offsetX === undefined ? {} : { offsetX: options.offsetX }),
    ...(options.offsetY === undefined ? {} : { offsetY: options.offsetY }),
  };
}

export type { Message };
