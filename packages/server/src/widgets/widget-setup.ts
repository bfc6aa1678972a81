import type { FastifyBaseLogger } from 'fastify';
import {
  builtinUiStrings,
  CUSTOM_TEXT_KEYS,
  EN_UI_STRINGS,
  primaryLanguage,
  type CustomTextKey,
  type SetupFailure,
  type WidgetSettings,
} from '@parley/protocol';
import type { WidgetsStore } from '../store/widgets-store.js';
import { widgetLanguages, type StoredLanguageMap } from './language-map.js';
import type { ConfigChanges } from './public-config-cache.js';
import type { Translator } from './translator.js';

/**
 * Pre-generates a widget's language map for every configured language. `start` clears the old map
 * and returns at once; the work runs in the background and never fails the setup: a text that
 * cannot be translated falls back to its default and is recorded in the setup's failures.
 */
export class WidgetSetup {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: WidgetsStore,
    private readonly translator: Translator | null,
    private readonly log: FastifyBaseLogger,
    /** Told when a run clears the old texts and when it stores the new ones: visitors see both at once. */
    private readonly configChanges: ConfigChanges,
  ) {}

  async start(widgetId: string, settings: WidgetSettings): Promise<void> {
    const languages = widgetLanguages(settings);
    const generation = await this.store.beginSetup(widgetId, languages);
    await this.configChanges.changed({ widgetId });
    const run = this.run(widgetId, generation, languages, settings)
      .catch((error: unknown) => this.log.error({ err: error, widgetId }, 'widget setup failed to store its result'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every background run has finished (tests and graceful shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(widgetId: string, generation: number, languages: readonly string[], settings: WidgetSettings): Promise<void> {
    const failures: SetupFailure[] = [];
    const maps = [];
    for (const language of languages) {
      const strings = await this.languageMap(language, settings, failures);
      maps.push({ language, strings: JSON.stringify(strings) });
    }
    const stored = await this.store.completeSetup(widgetId, generation, maps, JSON.stringify(failures));
    if (stored) await this.configChanges.changed({ widgetId });
    else this.log.debug({ widgetId, generation }, 'widget setup superseded by a newer run');
    if (failures.length > 0) this.log.warn({ widgetId, failures: failures.length }, 'widget setup used fallback texts');
  }

  private async languageMap(language: string, settings: WidgetSettings, failures: SetupFailure[]): Promise<StoredLanguageMap> {
    const sourceLanguage = settings.language;
    let base = builtinUiStrings(language);
    if (base === undefined) {
      const translated = await this.translateAll(EN_UI_STRINGS, 'en', language, failures);
      base = { ...EN_UI_STRINGS, ...translated };
    }
    const custom: Record<string, string> = {};
    for (const key of CUSTOM_TEXT_KEYS) if (settings[key] !== '') custom[key] = settings[key];
    const sameLanguage = primaryLanguage(language) === primaryLanguage(sourceLanguage);
    const translated = sameLanguage || this.translator === null ? {} : await this.translateAll(custom, sourceLanguage, language, failures);
    const customMap: Partial<Record<CustomTextKey, { source: string; text: string }>> = {};
    for (const key of CUSTOM_TEXT_KEYS) {
      const text = translated[key];
      if (text !== undefined) customMap[key] = { source: settings[key], text };
    }
    return { ui: base, custom: customMap };
  }

  private async translateAll(
    texts: Readonly<Record<string, string>>,
    from: string,
    to: string,
    failures: SetupFailure[],
  ): Promise<Record<string, string>> {
    const keys = Object.keys(texts);
    if (keys.length === 0) return {};
    if (this.translator === null) {
      failures.push({ language: to, key: '*', reason: 'no built-in texts for this language and no translator configured' });
      return {};
    }
    try {
      const result = await this.translator.translate(texts, from, to);
      // Only the asked keys, and only real text: a blank answer would show as an empty title or button.
      const usable: Record<string, string> = {};
      for (const key of keys) {
        const text = result[key];
        if (typeof text === 'string' && text.trim() !== '') usable[key] = text;
        else failures.push({ language: to, key, reason: 'the translator returned no text for it' });
      }
      return usable;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const key of keys) failures.push({ language: to, key, reason });
      return {};
    }
  }
}
