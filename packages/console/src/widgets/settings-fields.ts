import { DEFAULT_WIDGET_SETTINGS, EN_UI_STRINGS, settingsEntries, SETTING_KEYS, type SettingKey } from '@parley/protocol';

/**
 * Form fields derived from the protocol's valibot schemas (settingsEntries), so a new widget option
 * shows up in the console without anyone listing it here. Only the grouping and labels are ours.
 */
export type FieldKind =
  | { readonly type: 'select'; readonly options: readonly string[] }
  | { readonly type: 'boolean' }
  | { readonly type: 'text'; readonly multiline: boolean; readonly color: boolean; readonly url: boolean }
  | { readonly type: 'number'; readonly min?: number; readonly max?: number; readonly nullable?: boolean }
  | { readonly type: 'list' }
  | { readonly type: 'group'; readonly fields: readonly FieldSpec[] }
  | { readonly type: 'json' }
  | { readonly type: 'nullable-text' };

export interface FieldSpec {
  readonly key: string;
  readonly label: string;
  readonly kind: FieldKind;
}

/** The parts of a valibot schema we read: its type, its wrapped schema, options, entries and pipe actions. */
interface SchemaLike {
  readonly type: string;
  readonly kind?: string;
  readonly wrapped?: SchemaLike;
  readonly options?: readonly unknown[];
  readonly entries?: Readonly<Record<string, SchemaLike>>;
  readonly item?: SchemaLike;
  readonly pipe?: readonly SchemaLike[];
  readonly requirement?: unknown;
}

function action(schema: SchemaLike, type: string): unknown {
  return schema.pipe?.find((step) => step.type === type)?.requirement;
}

export function describeSchema(schema: SchemaLike): FieldKind {
  switch (schema.type) {
    case 'optional':
      return schema.wrapped === undefined ? { type: 'json' } : describeSchema(schema.wrapped);
    case 'nullable': {
      if (schema.wrapped?.type === 'string') return { type: 'nullable-text' };
      // A number or nothing (a cap that may be off): a number field whose empty value is null.
      const inner = schema.wrapped === undefined ? undefined : describeSchema(schema.wrapped);
      return inner?.type === 'number' ? { ...inner, nullable: true } : { type: 'json' };
    }
    case 'picklist':
      return { type: 'select', options: (schema.options ?? []).map(String) };
    case 'boolean':
      return { type: 'boolean' };
    case 'string': {
      const max = action(schema, 'max_length');
      const regex = action(schema, 'regex');
      return {
        type: 'text',
        multiline: typeof max === 'number' && max > 300,
        color: regex instanceof RegExp && regex.source.startsWith('^#'),
        url: schema.pipe?.some((step) => step.type === 'url') ?? false,
      };
    }
    case 'number': {
      const min = action(schema, 'min_value');
      const max = action(schema, 'max_value');
      return { type: 'number', ...(typeof min === 'number' ? { min } : {}), ...(typeof max === 'number' ? { max } : {}) };
    }
    case 'array':
      return schema.item?.type === 'string' ? { type: 'list' } : { type: 'json' };
    case 'object':
    case 'strict_object':
      return {
        type: 'group',
        fields: Object.entries(schema.entries ?? {}).map(([name, entry]) => ({
          key: name,
          label: labelFor(name),
          kind: describeSchema(entry),
        })),
      };
    default:
      return { type: 'json' };
  }
}

const LABELS: Readonly<Record<string, string>> = {
  startFirst: 'Bot speaks first',
  autoScroll: 'Scroll to new messages',
  voiceIn: 'Voice input',
  voiceOut: 'Read replies aloud',
  unfurl: 'Link previews',
  math: 'Math (KaTeX)',
  sessionDuration: 'Session length (ms, 30 min – 24 h)',
  origin: 'Allowed origins (one a line; empty = anywhere)',
  languages: 'More languages (one a line)',
  messagePeek: 'Message peek',
  poweredBy: 'Show “Powered by Parley”',
  stream: 'Stream bot replies',
  emailTranscriptOnResolve: 'Email the transcript to the visitor when resolved',
  verbose: 'Verbose logging',
  botId: 'Bot',
  rules: 'FAQ rules',
  handoffPhrases: 'Handoff phrases (one a line)',
  teamId: 'Team that answers',
  routing: 'Assign handed-off conversations',
  routingRules: 'Routing rules',
  businessHours: 'Business hours',
  offlineMessage: 'Offline message',
  asyncMode: 'Async mode: ask for an email up front when replies take long',
  afterMinutes: 'When the expected reply time is over (minutes)',
  customCss: 'Custom CSS',
  avatarUrl: 'Avatar URL',
  offsetX: 'Offset X (px)',
  offsetY: 'Offset Y (px)',
  radius: 'Corner radius (px)',
  tabTitle: 'Tab title count',
  analytics: 'Analytics on your site',
  dataLayer: 'Push the widget’s events to Google Tag Manager (dataLayer)',
  contactCollection: 'Contact collection',
  tools: 'Tools the bot may call',
  challenge: 'Proof of work for new sessions',
  threshold: 'Free new sessions per address per 10 minutes',
  withoutPageLoad: 'Free new sessions per address that never loaded the widget',
  returning: 'Greeting for returning visitors',
  consentText: 'Consent text',
  calls: 'Voice and video calls',
  visitor: 'Calls visitors may start',
  conversations: 'Conversations per visitor',
  multiple: 'Visitors may keep several conversations',
  retentionDays: 'Delete conversations after (days; empty = the installation’s default)',
};

/** `primaryColor` → "Primary color", with hand-written labels where the name alone says too little. */
export function labelFor(key: string): string {
  const known = LABELS[key];
  if (known !== undefined) return known;
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Sections of the editor; any option not named here lands in "Other", so nothing is ever left out. */
const SECTIONS: readonly { readonly title: string; readonly keys: readonly string[] }[] = [
  { title: 'Texts', keys: ['title', 'intro', 'initial', 'greeting', 'placeholder', 'language', 'languages'] },
  { title: 'Appearance', keys: ['layout', 'theme'] },
  {
    title: 'Conversation',
    keys: [
      'botId',
      'startFirst',
      'autoScroll',
      'stream',
      'botTurnLimit',
      'contactCollection',
      'sessionDuration',
      'emailTranscriptOnResolve',
    ],
  },
  {
    title: 'Features',
    keys: [
      'attachments',
      'voiceIn',
      'voiceOut',
      'unfurl',
      'math',
      'carousel',
      'form',
      'exportConversation',
      'restartConversation',
      'maximize',
      'messagePeek',
      'poweredBy',
      'notifications',
      'analytics',
      'calls',
      'conversations',
    ],
  },
  { title: 'Routing and hours', keys: ['routing', 'teamId', 'businessHours', 'offlineMessage', 'asyncMode', 'routingRules'] },
  { title: 'Privacy and data', keys: ['privacy', 'consentText', 'retentionDays'] },
  { title: 'Security and advanced', keys: ['origin', 'challenge', 'tools', 'verbose'] },
];

export interface Section {
  readonly title: string;
  readonly fields: readonly FieldSpec[];
}

export function settingsSections(): Section[] {
  const spec = (key: SettingKey): FieldSpec => ({
    key,
    label: labelFor(key),
    kind: describeSchema(settingsEntries[key] as unknown as SchemaLike),
  });
  const placed = new Set(SECTIONS.flatMap((section) => section.keys));
  const sections = SECTIONS.map((section) => ({
    title: section.title,
    fields: section.keys.filter((key): key is SettingKey => (SETTING_KEYS as readonly string[]).includes(key)).map(spec),
  }));
  const rest = SETTING_KEYS.filter((key) => !placed.has(key));
  if (rest.length > 0) sections.push({ title: 'Other', fields: rest.map(spec) });
  return sections;
}

/** Option values as people say them: `round_robin` → "Round robin", with a few hand-written ones. */
const VALUE_LABELS: Readonly<Record<string, string>> = {
  round_robin: 'Round robin (take turns)',
  least_busy: 'Least busy agent',
  manual: 'Manual (agents pick from the queue)',
  'bottom-right': 'Bottom right',
  'bottom-left': 'Bottom left',
};

export function valueLabel(value: string): string {
  const known = VALUE_LABELS[value];
  if (known !== undefined) return known;
  const words = value
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * What the widget shows when a field is left empty, as the field's placeholder: the built-in texts for
 * empty texts (title, intro, initial, placeholder, in English; the widget uses the visitor's language),
 * and the built-in value of anything else that has one. `path` is `key` or `group.key` (`theme.radius`).
 */
export function builtInDefault(path: string): string | undefined {
  const [key, inner] = path.split('.');
  if (key === undefined) return undefined;
  const top: unknown = (DEFAULT_WIDGET_SETTINGS as Readonly<Record<string, unknown>>)[key];
  const value = inner === undefined ? top : typeof top === 'object' && top !== null ? (top as Record<string, unknown>)[inner] : undefined;
  if (value === '' && inner === undefined && key in EN_UI_STRINGS) return EN_UI_STRINGS[key as keyof typeof EN_UI_STRINGS];
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}
