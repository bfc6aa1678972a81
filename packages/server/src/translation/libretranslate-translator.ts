import type { TranslatorConfig } from '../config.js';
import { outboundPost } from '../outbound/index.js';
import type { Translator } from '../widgets/translator.js';
import type { MessageTranslator } from './message-translator.js';
import { baseLanguage } from './language-name.js';

const MAX_BYTES = 1024 * 1024;
/** Widget setup's batch: a few dozen interface strings, not a chat message; it may take longer. */
const SETUP_TIMEOUT_MS = 30_000;

/**
 * A LibreTranslate-compatible API (`POST /translate {q, source, target, format, api_key}`), for both the widget's
 * interface texts (a batch: `q` as an array) and chat messages (`format: text`, so Markdown passes as text).
 * LibreTranslate knows base languages (`pt`, `zh`…): region subtags are dropped except where it has them.
 */
export class LibreTranslateTranslator implements Translator, MessageTranslator {
  constructor(private readonly config: TranslatorConfig) {}

  async translateMessage(text: string, from: string, to: string, signal: AbortSignal): Promise<string> {
    const [translated] = await this.call([text], from, to, signal);
    if (translated === undefined || translated.trim() === '') throw new Error('translator answered an empty translation');
    return translated;
  }

  async translate(texts: Readonly<Record<string, string>>, from: string, to: string): Promise<Record<string, string>> {
    const keys = Object.keys(texts);
    if (keys.length === 0) return {};
    const answers = await this.call(
      keys.map((key) => texts[key] ?? ''),
      from,
      to,
      AbortSignal.timeout(SETUP_TIMEOUT_MS),
    );
    const out: Record<string, string> = {};
    keys.forEach((key, index) => {
      const value = answers[index];
      if (value !== undefined && value.trim() !== '') out[key] = value;
    });
    return out;
  }

  private async call(q: readonly string[], from: string, to: string, signal: AbortSignal): Promise<string[]> {
    const response = await outboundPost({
      url: `${this.config.url}/translate`,
      allowPrivateNetwork: this.config.allowPrivateNetwork,
      maxBytes: MAX_BYTES,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        q: q.length === 1 ? q[0] : q,
        source: libreLanguage(from),
        target: libreLanguage(to),
        format: 'text',
        ...(this.config.apiKey === null ? {} : { api_key: this.config.apiKey }),
      }),
      signal,
    });
    if (!response.ok) throw new Error(`translator answered HTTP ${response.status}`);
    const body: unknown = await response.json();
    const translated = typeof body === 'object' && body !== null && 'translatedText' in body ? body.translatedText : undefined;
    if (typeof translated === 'string' && q.length === 1) return [translated];
    if (Array.isArray(translated) && translated.length === q.length && translated.every((t) => typeof t === 'string')) {
      return translated.map(String);
    }
    throw new Error('translator response has no translatedText for each text');
  }
}

/** LibreTranslate's codes are base languages, except its two Chinese scripts and Brazilian Portuguese. */
function libreLanguage(tag: string): string {
  const lower = tag.toLowerCase();
  if (lower === 'zh-hant' || lower === 'zh-tw' || lower === 'zh-hk') return 'zt';
  if (lower === 'pt-br') return 'pb';
  return baseLanguage(tag);
}
