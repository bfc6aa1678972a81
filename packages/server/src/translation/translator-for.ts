import type { TranslatorConfig } from '../config.js';
import { OpenAiTranslator } from '../widgets/openai-translator.js';
import type { Translator } from '../widgets/translator.js';
import { LibreTranslateTranslator } from './libretranslate-translator.js';
import type { MessageTranslator } from './message-translator.js';
import { OpenAiMessageTranslator } from './openai-message-translator.js';

/** The installation's translator by PARLEY_TRANSLATOR_KIND, for the widget's texts and for chat messages (app.ts picks). */
export function translatorsFor(config: TranslatorConfig): { readonly texts: Translator; readonly messages: MessageTranslator } {
  if (config.kind === 'libretranslate') {
    const libre = new LibreTranslateTranslator(config);
    return { texts: libre, messages: libre };
  }
  return { texts: new OpenAiTranslator(config), messages: new OpenAiMessageTranslator(config) };
}
