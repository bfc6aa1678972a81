import type { TranslatorConfig } from '../config.js';
import { outboundPost } from '../outbound/index.js';
import type { Translator } from './translator.js';

const TIMEOUT_MS = 30_000;
/** A translation of a widget's texts is a few KB; anything much larger is not an answer. */
const MAX_BYTES = 1024 * 1024;

/**
 * A Translator backed by any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, …),
 * called under the outbound policy: a public address unless PARLEY_TRANSLATOR_ALLOW_PRIVATE, no redirects.
 */
export class OpenAiTranslator implements Translator {
  constructor(private readonly config: TranslatorConfig) {}

  async translate(texts: Readonly<Record<string, string>>, from: string, to: string): Promise<Record<string, string>> {
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
        response_format: { type: 'json_object' },
        messages: [
          {
            role: 'system',
            content:
              'You translate the user interface texts of a website chat widget. Reply with one JSON object that has ' +
              'exactly the keys of the input and the translated texts as values. Keep placeholders such as {name} ' +
              'and Markdown unchanged. Do not add explanations.',
          },
          { role: 'user', content: `Translate from ${from} to ${to}:\n${JSON.stringify(texts)}` },
        ],
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`translator answered HTTP ${response.status}`);
    const body: unknown = await response.json();
    const content = extractContent(body);
    const parsed: unknown = JSON.parse(stripCodeFence(content));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('translator did not return a JSON object');
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (key in texts && typeof value === 'string' && value.trim() !== '') out[key] = value;
    }
    return out;
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

/** Some models wrap JSON in a ```json fence even when asked not to. */
function stripCodeFence(text: string): string {
  const match = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return match?.[1] ?? text;
}
