// Live translation of chat messages (issue 20, docs/translation.md): the message translator port, its
// OpenAI-compatible and LibreTranslate-compatible adapters, and the engine's hook that decides who reads what.
export { textForBot, botTranslationSetting, type BotTranslationSetting } from './bot-translation.js';
export { LiveTranslation, NO_TRANSLATION, type MessageTranslations, type TranslationInput } from './live-translation.js';
export type { MessageTranslator } from './message-translator.js';
export { LibreTranslateTranslator } from './libretranslate-translator.js';
export { OpenAiMessageTranslator } from './openai-message-translator.js';
export { translatorsFor } from './translator-for.js';
