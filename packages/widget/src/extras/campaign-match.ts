import type { BusinessHours, CampaignAudience, CampaignCap, CampaignUrlRule, PublicCampaign } from '@parley/protocol';

/**
 * How the browser decides whether a campaign applies (the campaigns extra; docs/campaigns.md). Pure functions of what
 * the page knows, tested beside. Here rather than in the protocol: imported through the protocol's index, esbuild put
 * them in a chunk shared with the core (+1 KB brotli to every widget).
 */

/** The page as campaigns see it: `href` without its `#fragment`, and the path with its query. */
export interface CampaignPage {
  readonly href: string;
  readonly path: string;
}

/** The longest address a rule is tested on: a regex never runs on more than this. */
const URL_TEST_MAX = 2048;

/**
 * One URL rule. `regex` is tested on the whole address (no `#fragment`); the others on the path with its
 * query when their value starts with `/`, on the whole address otherwise. `wildcard`: `*` stands for any
 * characters, the rest is literal, and the whole target must match.
 */
export function urlRuleMatches(rule: CampaignUrlRule, page: CampaignPage): boolean {
  const target = (rule.match !== 'regex' && rule.value.startsWith('/') ? page.path : page.href).slice(0, URL_TEST_MAX);
  switch (rule.match) {
    case 'exact':
      return target === rule.value;
    case 'prefix':
      return target.startsWith(rule.value);
    case 'wildcard':
      return new RegExp(`^${rule.value.split('*').map(escapeRegex).join('.*')}$`).test(target);
    case 'regex':
      try {
        return new RegExp(rule.value).test(target);
      } catch {
        // The server refused invalid patterns; one from an older server simply does not match.
        return false;
      }
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Any include rule (none: every page) and no exclude rule. */
export function pagesMatch(pages: PublicCampaign['pages'], page: CampaignPage): boolean {
  if (pages.exclude.some((rule) => urlRuleMatches(rule, page))) return false;
  return pages.include.length === 0 || pages.include.some((rule) => urlRuleMatches(rule, page));
}

/** What the widget knows about the visitor when it evaluates an audience. */
export interface CampaignVisitor {
  /** The widget stored a visit before this one (needs the widget's storage, so consent where it is asked). */
  readonly returning: boolean;
  /** The host page identified the visitor (`Parley('identify', …)`). */
  readonly identified: boolean;
  /** The widget's language for this visitor. */
  readonly language: string;
  /** Attributes the host page gave the widget. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Whether the widget's business hours are open now (true without business hours). */
  readonly open: boolean;
}

export function audienceMatches(audience: CampaignAudience, visitor: CampaignVisitor): boolean {
  if (audience.visitor === 'new' && visitor.returning) return false;
  if (audience.visitor === 'returning' && !visitor.returning) return false;
  if (audience.identified === 'yes' && !visitor.identified) return false;
  if (audience.identified === 'no' && visitor.identified) return false;
  if (audience.businessHours === 'open' && !visitor.open) return false;
  if (audience.businessHours === 'closed' && visitor.open) return false;
  if (audience.languages.length > 0) {
    const primary = visitor.language.toLowerCase().split('-')[0];
    const ok = audience.languages.some((tag) => {
      const wanted = tag.toLowerCase();
      return wanted === visitor.language.toLowerCase() || wanted === primary;
    });
    if (!ok) return false;
  }
  return audience.attributes.every((condition) => {
    const value = Object.prototype.hasOwnProperty.call(visitor.attributes, condition.key) ? visitor.attributes[condition.key] : undefined;
    switch (condition.op) {
      case 'exists':
        return value !== undefined && value !== '';
      case 'missing':
        return value === undefined || value === '';
      case 'equals':
        return value === condition.value;
      case 'not_equals':
        return value !== condition.value;
      case 'contains':
        return value !== undefined && value.toLowerCase().includes((condition.value ?? '').toLowerCase());
    }
  });
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * Whether `at` falls in the business hours, read in their time zone (the server's presence rule: a range
 * ending before it starts spans midnight, its early-morning part belonging to the day after).
 */
export function hoursOpenAt(hours: BusinessHours, at: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const index = DAYS.findIndex((d) => d === part('weekday').toLowerCase().slice(0, 3));
  if (index < 0) return true;
  const day = DAYS[index];
  const previous = DAYS[(index + 6) % 7];
  const time = `${part('hour').padStart(2, '0')}:${part('minute').padStart(2, '0')}`;
  return hours.hours.some((range) => {
    const days: readonly string[] = range.days;
    if (range.from < range.to) return days.includes(day ?? '') && time >= range.from && time < range.to;
    return (days.includes(day ?? '') && time >= range.from) || (days.includes(previous ?? '') && time < range.to);
  });
}

/** What the widget remembers of a campaign for its frequency cap. */
export interface CampaignSeen {
  /** When this visitor last saw it (ms), from the widget's storage; undefined: never (or nothing may be stored). */
  readonly lastShownAt?: number;
  /** Shown earlier in this browser session (the tab's session storage, or memory). */
  readonly shownThisSession: boolean;
}

const DAY_MS = 86_400_000;

export function capAllows(cap: CampaignCap, seen: CampaignSeen, now: number): boolean {
  switch (cap.kind) {
    case 'once_per_visitor':
      return seen.lastShownAt === undefined && !seen.shownThisSession;
    case 'once_per_session':
      return !seen.shownThisSession;
    case 'every_days':
      return !seen.shownThisSession && (seen.lastShownAt === undefined || now - seen.lastShownAt >= cap.days * DAY_MS);
  }
}

/** The campaign to show among those that match now: the highest priority, then the first listed. */
export function pickCampaign<T extends Pick<PublicCampaign, 'priority'>>(matching: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const campaign of matching) if (best === undefined || campaign.priority > best.priority) best = campaign;
  return best;
}
