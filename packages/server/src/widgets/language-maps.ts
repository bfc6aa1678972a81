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
    const stored = await this.store.languageMap(widgetId, language);
    return stored === undefined
      ? untranslatedLanguageMap(language, settings)
      : applyStoredMap(readJson<StoredLanguageMap>(stored), settings);
  }
}
