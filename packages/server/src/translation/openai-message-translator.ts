import type { TranslatorConfig } from '../config.js';
import { chatCompletion } from '../widgets/openai-translator.js';
import type { MessageTranslator } from './message-translator.js';
import { languageName } from './language-name.js';

/** A chat message's translation is a few KB; anything much larger is not an answer. */
const MAX_BYTES = 256 * 1024;

export const MESSAGE_SYSTEM_PROMPT =
  'You translate chat messages between a website visitor and a support agent. Translate the user message ' +
  'from the source language into the target language. Answer with the translation only: no quotes, no notes, ' +
  'no explanations. Keep Markdown formatting, links and URLs, code and inline code, placeholders, names, ' +
  'numbers and emoji exactly as they are. If the message is already in the target language, answer it unchanged.';

/**
 * Message translation through any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, …): the same
 * call as the widget texts' translator (widgets/openai-translator.ts), bounded by the caller's deadline.
 */
export class OpenAiMessageTranslator implements MessageTranslator {
  constructor(private readonly config: TranslatorConfig) {}

  async translateMessage(text: string, from: string, to: string, signal: AbortSignal): Promise<string> {
    const content = await chatCompletion(this.config, {
      maxBytes: MAX_BYTES,
      signal,
      messages: [
        {
          role: 'system',
          content: `${MESSAGE_SYSTEM_PROMPT}\nSource: ${languageName(from)} (${from}). Target: ${languageName(to)} (${to}).`,
        },
        { role: 'user', content: text },
      ],
    });
    const translated = content.trim();
    if (translated === '') throw new Error('translator answered an empty translation');
    return translated;
  }
}
