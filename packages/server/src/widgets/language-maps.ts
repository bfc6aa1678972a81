import type { UiStrings, WidgetSettings } from '@parley/protocol';
import { readJson } from '../store/json.js';
import type { WidgetsStore } from '../store/widgets-store.js';
import { applyStoredMap, untranslatedLanguageMap, type StoredLanguageMap } from './language-map.js';

/**
 * The texts a visitor sees in one language: the map setup stored, or — before setup has run, or
 * for a language setup has not reached yet — the built-in texts with the owner's texts as written.
 * The widget therefore always works, with or without setup.
 */
export class LanguageMaps {
  constructor(private readonly store: WidgetsStore) {}

  async strings(widgetId: string, language: string, settings: WidgetSettings): Promise<UiStrings> {
    return textsFrom(await this.store.languageMap(widgetId, language), language, settings);
  }

  /** `strings` for several languages in one read (the public config renders every language a widget offers). */
  async stringsByLanguage(widgetId: string, languages: readonly string[], settings: WidgetSettings): Promise<Map<string, UiStrings>> {
    const stored = new Map((await this.store.languageMaps(widgetId)).map((map) => [map.language, map.strings]));
    const out = new Map<string, UiStrings>();
    for (const language of languages) out.set(language, textsFrom(stored.get(language), language, settings));
    return out;
  }
}

function textsFrom(stored: string | undefined, language: string, settings: WidgetSettings): UiStrings {
  return stored === undefined ? untranslatedLanguageMap(language, settings) : applyStoredMap(readJson<StoredLanguageMap>(stored), settings);
}
