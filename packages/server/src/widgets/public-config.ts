import { createHash } from 'node:crypto';
import {
  isOriginAllowed,
  isRtlLanguage,
  pickPublicSettings,
  PROTOCOL_VERSION,
  type PublicCampaigns,
  type PublicWidgetConfig,
  type UiStrings,
  type WidgetSettings,
} from '@parley/protocol';
import { widgetLanguages } from './language-map.js';
import type { LanguageMaps } from './language-maps.js';
import type { WidgetService } from './widget-service.js';

/** One language's answer to `GET /v1/widgets/:id/config`, serialized once: its bytes and their ETag. */
export interface RenderedConfig {
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * Raw query strings remembered per entry. Only queries the route has validated land here, and a page
 * sends one of very few (none, or `lang=` with its visitor's language); the bound keeps a client that
 * sends endless valid variants from growing memory — those are simply answered through the route.
 */
const MAX_REMEMBERED_QUERIES = 32;
/** Origins whose verdict an entry remembers; past them it checks each time (any Origin may be sent). */
const MAX_REMEMBERED_ORIGINS = 64;

/**
 * A widget's public configuration in every language it offers, as of one version of what it is made of:
 * defaults ⊕ blueprint ⊕ widget settings and the language maps setup stored. Nothing in it depends on
 * the request except which language is picked and whether the Origin is allowed, so the serialized
 * bodies are shared by every visitor of the widget.
 */
export class PublicConfigEntry {
  private readonly byQuery = new Map<string, RenderedConfig>();
  private readonly origins = new Map<string, boolean>();

  constructor(
    readonly widgetId: string,
    /** What the entry was made from besides the widget itself, so a change of either drops it. */
    readonly blueprintId: string | null,
    readonly botId: string | null,
    readonly settings: WidgetSettings,
    private readonly byLanguage: ReadonlyMap<string, RenderedConfig>,
    /** The widget or its blueprint sets `language`, which then wins over the browser's (pickLanguage). */
    readonly languageSet = false,
  ) {}

  /** The answer in `language`, one of the widget's languages as `resolveLanguage` picks them. */
  inLanguage(language: string): RenderedConfig {
    const rendered = this.byLanguage.get(language);
    if (rendered === undefined) throw new Error(`public config of ${this.widgetId} has no ${language} rendering`);
    return rendered;
  }

  /** The answer the route gave before to this raw query string (`lang=fr`, or '' for none), if any. */
  forQuery(rawQuery: string): RenderedConfig | undefined {
    return this.byQuery.get(rawQuery);
  }

  /** Called by the route once it has validated `rawQuery` and picked its language: later requests skip both. */
  rememberQuery(rawQuery: string, rendered: RenderedConfig): void {
    if (this.byQuery.size < MAX_REMEMBERED_QUERIES) this.byQuery.set(rawQuery, rendered);
  }

  /** The config is public but fenced like sessions: a listed Origin, or none (same-origin pages and servers). */
  allowsOrigin(origin: string | undefined): boolean {
    if (origin === undefined || this.settings.origin.length === 0) return true;
    // Asked on every request of the config fast path; a site's pages send one Origin or a few.
    let allowed = this.origins.get(origin);
    if (allowed === undefined) {
      allowed = isOriginAllowed(origin, this.settings.origin);
      if (this.origins.size < MAX_REMEMBERED_ORIGINS) this.origins.set(origin, allowed);
    }
    return allowed;
  }
}

/**
 * Reads a widget once and renders its config in each of its languages (a widget offers a handful).
 * Rejects with the widget service's 404 for an unknown widget.
 */
export async function buildPublicConfig(
  widgets: Pick<WidgetService, 'resolve' | 'botName'>,
  languageMaps: Pick<LanguageMaps, 'stringsByLanguage'>,
  widgetId: string,
  /** Whether this server sends mail (PARLEY_SMTP_URL): visitors may have their conversation mailed. */
  mail = false,
  /** The widget's live proactive messages (campaigns/), the same in every language. */
  campaigns?: { publicCampaigns(widgetId: string, settings: WidgetSettings, botName: string): Promise<PublicCampaigns | undefined> },
): Promise<PublicConfigEntry> {
  const { row, effective, languageSet } = await widgets.resolve(widgetId);
  const languages = widgetLanguages(effective);
  const strings = await languageMaps.stringsByLanguage(row.id, languages, effective);
  const botName = await widgets.botName(effective.botId);
  const live = await campaigns?.publicCampaigns(row.id, effective, botName ?? '');
  const byLanguage = new Map<string, RenderedConfig>();
  for (const language of languages) {
    const texts = strings.get(language);
    if (texts === undefined) throw new Error(`no texts for ${language} of widget ${row.id}`);
    byLanguage.set(
      language,
      render({
        ...publicConfig(row.id, effective, language, languages, texts, botName),
        services: { transcripts: mail },
        ...(live === undefined ? {} : { campaigns: live }),
      }),
    );
  }
  return new PublicConfigEntry(row.id, row.blueprint_id, effective.botId, effective, byLanguage, languageSet);
}

function publicConfig(
  id: string,
  effective: WidgetSettings,
  language: string,
  languages: readonly string[],
  strings: UiStrings,
  botName: string | undefined,
): PublicWidgetConfig {
  return {
    ...pickPublicSettings(effective),
    id,
    protocolVersion: PROTOCOL_VERSION,
    tools: effective.tools === true || (Array.isArray(effective.tools) && effective.tools.length > 0),
    language,
    languages,
    dir: isRtlLanguage(language) ? 'rtl' : 'ltr',
    strings,
    ...(botName === undefined || botName === '' ? {} : { botName }),
  };
}

/** The ETag is a digest of the bytes, so every node (and every reload of an unchanged config) sends the same one. */
function render(config: PublicWidgetConfig): RenderedConfig {
  const body = Buffer.from(JSON.stringify(config));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
