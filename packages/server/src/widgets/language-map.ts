import {
  builtinUiStrings,
  CUSTOM_TEXT_KEYS,
  EN_UI_STRINGS,
  primaryLanguage,
  type CustomTextKey,
  type UiStrings,
  type WidgetSettings,
} from '@parley/protocol';

/** The languages a widget offers: its default first, then the others, without repeats. */
export function widgetLanguages(settings: WidgetSettings): string[] {
  return [...new Set([settings.language, ...settings.languages])];
}

/**
 * The language of a widget's config and session, first that applies: the language the page or the visitor
 * chose (`lang`: the embed's `language` option, else the visitor's pick in the widget's menu, remembered by
 * the widget), then the widget's own `language` when the widget or its blueprint sets one (`languageSet`),
 * then the browser's language (`browser`), each matched to the closest language the widget offers.
 */
export function pickLanguage(
  query: { readonly lang?: string | undefined; readonly browser?: string | undefined },
  settings: WidgetSettings,
  languageSet: boolean,
): string {
  return resolveLanguage(query.lang ?? (languageSet ? undefined : query.browser), settings);
}

/**
 * Picks the widget language closest to what the visitor asked for: the exact tag, else the same
 * primary language — its bare tag first (`pt-PT` → `pt` rather than `pt-BR`), then any of its
 * variants — else the widget's default.
 */
export function resolveLanguage(requested: string | undefined, settings: WidgetSettings): string {
  const offered = widgetLanguages(settings);
  if (requested === undefined) return settings.language;
  const exact = offered.find((lang) => lang.toLowerCase() === requested.toLowerCase());
  if (exact !== undefined) return exact;
  const primary = primaryLanguage(requested);
  const bare = offered.find((lang) => lang.toLowerCase() === primary);
  return bare ?? offered.find((lang) => primaryLanguage(lang) === primary) ?? settings.language;
}

/**
 * The language map computed without a translator: built-in texts for the language (English when
 * it has none), with the owner's custom texts as written. Setup stores a translated version of it.
 */
export function untranslatedLanguageMap(language: string, settings: WidgetSettings): UiStrings {
  return withCustomTexts(builtinUiStrings(language) ?? EN_UI_STRINGS, settings, {});
}

/**
 * What setup stores per language: the interface texts (built-in or translated) and each custom
 * text's translation *with the source it was made from*. A translation only applies while the
 * widget's text is still that source, so editing a title reaches visitors at once — as written
 * until the next setup translates it — instead of showing a stale translation.
 */
export interface StoredLanguageMap {
  readonly ui: UiStrings;
  readonly custom: Readonly<Partial<Record<CustomTextKey, { readonly source: string; readonly text: string }>>>;
}

export function applyStoredMap(stored: StoredLanguageMap, settings: WidgetSettings): UiStrings {
  const translated: Partial<Record<string, string>> = {};
  for (const key of CUSTOM_TEXT_KEYS) {
    const entry = stored.custom[key];
    if (entry !== undefined && entry.source === settings[key]) translated[key] = entry.text;
  }
  return withCustomTexts(stored.ui, settings, translated);
}

export function withCustomTexts(
  base: UiStrings,
  settings: WidgetSettings,
  translated: Readonly<Partial<Record<string, string>>>,
): UiStrings {
  const out: Record<string, string> = { ...base };
  for (const key of CUSTOM_TEXT_KEYS) {
    const own = settings[key];
    if (own !== '') out[key] = translated[key] ?? own;
  }
  // Starts from a complete UiStrings and only overwrites some of its keys.
  return out as UiStrings;
}
