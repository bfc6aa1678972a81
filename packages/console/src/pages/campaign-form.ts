import {
  CAMPAIGN_ATTRIBUTE_OPS,
  CAMPAIGN_URL_MATCHES,
  type Campaign,
  type CampaignAttributeCondition,
  type CampaignCreate,
  type CampaignTrigger,
  type CampaignUrlRule,
} from '@parley/protocol';

/**
 * The campaign form's fields as the inputs hold them (strings and flags), and the two ways between them and the
 * API's body. Lists are one entry a line: URL rules `prefix /pricing`, attribute conditions `plan equals pro`.
 */
export interface CampaignFormValues {
  name: string;
  enabled: boolean;
  priority: string;
  startsAt: string;
  endsAt: string;
  text: string;
  quickReplies: string;
  display: Campaign['display'];
  sender: string;
  trigger: CampaignTrigger['kind'];
  amount: string;
  eventName: string;
  include: string;
  exclude: string;
  visitor: Campaign['audience']['visitor'];
  identified: Campaign['audience']['identified'];
  languages: string;
  businessHours: Campaign['audience']['businessHours'];
  attributes: string;
  cap: Campaign['cap']['kind'];
  days: string;
}

export const EMPTY_CAMPAIGN: CampaignFormValues = {
  name: '',
  enabled: true,
  priority: '0',
  startsAt: '',
  endsAt: '',
  text: '',
  quickReplies: '',
  display: 'peek',
  sender: 'bot',
  trigger: 'time_on_page',
  amount: '30',
  eventName: '',
  include: '',
  exclude: '',
  visitor: 'any',
  identified: 'any',
  languages: '',
  businessHours: 'any',
  attributes: '',
  cap: 'once_per_visitor',
  days: '7',
};

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** `prefix /pricing` → `{ match: 'prefix', value: '/pricing' }`; a line without a known match word is an exact address. */
export function parseRules(text: string): CampaignUrlRule[] {
  return lines(text).map((line) => {
    const [first = '', ...rest] = line.split(/\s+/);
    const match = CAMPAIGN_URL_MATCHES.find((m) => m === first);
    return match === undefined ? { match: 'exact', value: line } : { match, value: rest.join(' ') };
  });
}

export function parseConditions(text: string): CampaignAttributeCondition[] {
  return lines(text).map((line) => {
    const [key = '', op = '', ...rest] = line.split(/\s+/);
    const known = CAMPAIGN_ATTRIBUTE_OPS.find((o) => o === op) ?? 'equals';
    return rest.length === 0 ? { key, op: known } : { key, op: known, value: rest.join(' ') };
  });
}

/** A `datetime-local` value (the admin's local time) as an ISO instant, or null when empty. */
function instant(local: string): string | null {
  return local === '' ? null : new Date(local).toISOString();
}

/** The ISO instant as a `datetime-local` value in this browser's zone. */
function localInput(iso: string | null): string {
  if (iso === null) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function trigger(values: CampaignFormValues): CampaignTrigger {
  const amount = Number(values.amount);
  switch (values.trigger) {
    case 'time_on_page':
    case 'time_on_site':
      return { kind: values.trigger, seconds: amount };
    case 'scroll_depth':
      return { kind: 'scroll_depth', percent: amount };
    case 'event':
      return { kind: 'event', name: values.eventName.trim() };
    default:
      return { kind: values.trigger };
  }
}

/** The API body (POST, or PATCH of every field); the server checks it and names the field it refuses. */
export function campaignBody(values: CampaignFormValues): CampaignCreate {
  return {
    name: values.name,
    enabled: values.enabled,
    priority: Number(values.priority),
    startsAt: instant(values.startsAt),
    endsAt: instant(values.endsAt),
    message: { text: values.text, quickReplies: lines(values.quickReplies) },
    display: values.display,
    sender: values.sender === 'bot' ? { kind: 'bot' } : { kind: 'agent', agentId: values.sender },
    trigger: trigger(values),
    pages: { include: parseRules(values.include), exclude: parseRules(values.exclude) },
    audience: {
      visitor: values.visitor,
      identified: values.identified,
      languages: values.languages
        .split(/[\s,]+/)
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
      businessHours: values.businessHours,
      attributes: parseConditions(values.attributes),
    },
    cap: values.cap === 'every_days' ? { kind: 'every_days', days: Number(values.days) } : { kind: values.cap },
  };
}

export function campaignValues(campaign: Campaign): CampaignFormValues {
  const t = campaign.trigger;
  return {
    name: campaign.name,
    enabled: campaign.enabled,
    priority: String(campaign.priority),
    startsAt: localInput(campaign.startsAt),
    endsAt: localInput(campaign.endsAt),
    text: campaign.message.text,
    quickReplies: campaign.message.quickReplies.join('\n'),
    display: campaign.display,
    sender: campaign.sender.kind === 'bot' ? 'bot' : campaign.sender.agentId,
    trigger: t.kind,
    amount:
      t.kind === 'time_on_page' || t.kind === 'time_on_site' ? String(t.seconds) : t.kind === 'scroll_depth' ? String(t.percent) : '30',
    eventName: t.kind === 'event' ? t.name : '',
    include: campaign.pages.include.map((rule) => `${rule.match} ${rule.value}`).join('\n'),
    exclude: campaign.pages.exclude.map((rule) => `${rule.match} ${rule.value}`).join('\n'),
    visitor: campaign.audience.visitor,
    identified: campaign.audience.identified,
    languages: campaign.audience.languages.join(', '),
    businessHours: campaign.audience.businessHours,
    attributes: campaign.audience.attributes.map((c) => [c.key, c.op, c.value ?? ''].join(' ').trim()).join('\n'),
    cap: campaign.cap.kind,
    days: campaign.cap.kind === 'every_days' ? String(campaign.cap.days) : '7',
  };
}

/** One line saying when a campaign shows, for the list. */
export function triggerLabel(t: CampaignTrigger): string {
  switch (t.kind) {
    case 'page_view':
      return 'On page view';
    case 'time_on_page':
      return `After ${t.seconds} s on the page`;
    case 'time_on_site':
      return `After ${t.seconds} s on the site`;
    case 'exit_intent':
      return 'On exit intent (desktop)';
    case 'scroll_depth':
      return `At ${t.percent} % scrolled`;
    case 'event':
      return `On event “${t.name}”`;
  }
}
