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
    const content = await chatCompletion(this.config, {
      maxBytes: MAX_BYTES,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      responseFormat: { type: 'json_object' },
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
    });
    const parsed: unknown = JSON.parse(stripCodeFence(content));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('translator did not return a JSON object');
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (key in texts && typeof value === 'string' && value.trim() !== '') out[key] = value;
    }
    return out;
  }
}

export interface ChatCompletionRequest {
  readonly messages: readonly { readonly role: 'system' | 'user'; readonly content: string }[];
  readonly responseFormat?: { readonly type: 'json_object' };
  readonly maxBytes: number;
  readonly signal: AbortSignal;
}

/**
 * One chat completion at temperature 0 under the outbound policy (a public address unless
 * PARLEY_TRANSLATOR_ALLOW_PRIVATE, no redirects, bounded size): the first choice's content. Both OpenAI-compatible
 * translators call it, this one for the widget's texts and translation/'s for chat messages.
 */
export async function chatCompletion(config: TranslatorConfig, request: ChatCompletionRequest): Promise<string> {
  const response = await outboundPost({
    url: `${config.url}/chat/completions`,
    allowPrivateNetwork: config.allowPrivateNetwork,
    maxBytes: request.maxBytes,
    headers: {
      'content-type': 'application/json',
      ...(config.apiKey === null ? {} : { authorization: `Bearer ${config.apiKey}` }),
    },
    body: JSON.stringify({
      model: config.model,
      temperature: 0,
      ...(request.responseFormat === undefined ? {} : { response_format: request.responseFormat }),
      messages: request.messages,
    }),
    signal: request.signal,
  });
  if (!response.ok) throw new Error(`translator answered HTTP ${response.status}`);
  return extractContent(await response.json());
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
