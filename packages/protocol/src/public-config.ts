import type { PublicCampaigns } from './campaigns.js';
import type { UiStrings } from './i18n/ui-strings.js';
import type { WidgetSettings } from './widget-settings.js';

/** Options the browser needs; everything else (origin list, botId, tool URLs, meta) stays on the server. */
export const PUBLIC_SETTING_KEYS = [
  'layout',
  'theme',
  'startFirst',
  'autoScroll',
  'attachments',
  'voiceIn',
  'voiceOut',
  'contactCollection',
  'unfurl',
  'math',
  'carousel',
  'form',
  'sessionDuration',
  'exportConversation',
  'restartConversation',
  'maximize',
  'messagePeek',
  'poweredBy',
  'stream',
  'verbose',
  'notifications',
  'analytics',
  'privacy',
  'calls',
  'conversations',
] as const satisfies readonly (keyof WidgetSettings)[];

type PublicSettings = Pick<WidgetSettings, (typeof PUBLIC_SETTING_KEYS)[number]>;

/** `GET /v1/widgets/{id}/config?lang=xx` — visitor-safe and cacheable. */
export type PublicWidgetConfig = PublicSettings & {
  readonly id: string;
  readonly protocolVersion: number;
  /** True when the widget has tools; the tools themselves never leave the server. */
  readonly tools: boolean;
  /** The language these texts are in, and the ones the visitor may switch to. */
  readonly language: string;
  readonly languages: readonly string[];
  readonly dir: 'ltr' | 'rtl';
  /** Every interface text, the widget's own title/intro/initial/placeholder included, in `language`. */
  readonly strings: UiStrings;
  /**
   * The name the widget's bot signs its messages with; the widget shows it above the greeting before
   * the conversation exists, so the sender is the same before and after. Absent without a bot (the
   * widget's title then).
   */
  readonly botName?: string;
  /**
   * What the server offers besides the chat: `transcripts`, the visitor may have the conversation mailed to them
   * (`PARLEY_SMTP_URL` is set), which the widget's "Email me this conversation" needs. Absent in direct mode.
   */
  readonly services?: { readonly transcripts: boolean };
  /** The widget's live proactive messages (docs/campaigns.md); absent when it has none, so the campaigns extra never loads. */
  readonly campaigns?: PublicCampaigns;
};

export function pickPublicSettings(settings: WidgetSettings): PublicSettings {
  const out: Partial<Record<keyof PublicSettings, unknown>> = {};
  for (const key of PUBLIC_SETTING_KEYS) out[key] = settings[key];
  // Built key by key from PUBLIC_SETTING_KEYS, which is exactly PublicSettings' key set.
  return out as PublicSettings;
}

/**
 * What the console's widget editor posts to its preview frame (`/widget-preview`, the widget in preview
 * mode): the public config of the unsaved settings, and a sample conversation the frame shows without
 * any session or request.
 */
export interface WidgetPreviewMessage {
  readonly parley: 'preview';
  readonly config: PublicWidgetConfig;
  /** `bubble`: the bubble, opened; `fullscreen` fills the frame (inline and fullscreen widgets). */
  readonly layout: 'bubble' | 'fullscreen';
  /** The sample conversation, oldest first. */
  readonly sample: readonly { readonly role: 'visitor' | 'bot'; readonly text: string }[];
  /** The bot's answer to whatever is typed into the preview. */
  readonly reply: string;
}
