import type { TranslatorConfig } from '../config.js';
import { outboundPost } from '../outbound/index.js';
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
 * Message translation through any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, …), under
 * the outbound policy: a public address unless PARLEY_TRANSLATOR_ALLOW_PRIVATE, no redirects, bounded size and time.
 */
export class OpenAiMessageTranslator implements MessageTranslator {
  constructor(private readonly config: TranslatorConfig) {}

  async translateMessage(text: string, from: string, to: string, signal: AbortSignal): Promise<string> {
    const response = await outboundPost({
      url: `${this.config.url}/chat/completions`,
      allowPrivateNetwork: this.config.allowPrivateNetwork,
      maxBytes: MAX_BYTES,
      headers: {
        'content-type': 'application/json',
        ...(this.config.apiKey === null ? {} : { authorization: `Bearer ${this.config.apiKey}` }),
      },
      body: JSON.stringify({
        model: this.config.model,
        temperature: 0,
        messages: [
          {
            role: 'system',
            content: `${MESSAGE_SYSTEM_PROMPT}\nSource: ${languageName(from)} (${from}). Target: ${languageName(to)} (${to}).`,
          },
          { role: 'user', content: text },
        ],
      }),
      signal,
    });
    if (!response.ok) throw new Error(`translator answered HTTP ${response.status}`);
    const content = extractContent(await response.json());
    const translated = content.trim();
    if (translated === '') throw new Error('translator answered an empty translation');
    return translated;
  }
}

function extractContent(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'choices' in body && Array.isArray(body.choices)) {
    const first: unknown = body.choices[0];
    if (typeof first === 'object' && first !== null && 'message' in first) {
      const message: unknown = first.message;
      if (typeof message === 'object' && message !== null && 'content' in message && typeof message.content === 'string') {
        return message.content;
      }
    }
  }
  throw new Error('translator response has no choices[0].message.content');
}
