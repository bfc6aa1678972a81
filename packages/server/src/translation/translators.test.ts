import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type TranslatorConfig } from '../config.js';
import { LibreTranslateTranslator } from './libretranslate-translator.js';
import { MESSAGE_SYSTEM_PROMPT, OpenAiMessageTranslator } from './openai-message-translator.js';
import { translatorsFor } from './translator-for.js';

type Handler = (body: unknown, request: IncomingMessage, response: ServerResponse) => void;

/** An HTTP server of the test's own speaking whichever protocol the current test's handler answers. */
let handler: Handler = (_body, _request, response) => response.writeHead(500).end();
const seen: { url: string; authorization: string | undefined; body: unknown }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const body: unknown = JSON.parse(text);
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
      handler(body, request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const config = (overrides: Partial<TranslatorConfig> = {}): TranslatorConfig => ({
  url: base,
  model: 'translate-mini',
  apiKey: 'sk-test',
  allowPrivateNetwork: true,
  ...overrides,
});
const signal = (): AbortSignal => AbortSignal.timeout(2000);

describe('OpenAI-compatible message translator', () => {
  it('asks chat completions with the strict prompt and the message as the user turn, and answers the translation only', async () => {
    seen.length = 0;
    handler = (_body, _request, response) =>
      json(response, 200, { choices: [{ message: { role: 'assistant', content: '  Hello **there** 👋\n' } }] });
    const text = await new OpenAiMessageTranslator(config()).translateMessage('Bonjour **toi** 👋', 'fr', 'en', signal());
    expect(text).toBe('Hello **there** 👋');
    const [request] = seen;
    expect(request?.url).toBe('/chat/completions');
    expect(request?.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({
      model: 'translate-mini',
      temperature: 0,
      messages: [
        { role: 'system', content: `${MESSAGE_SYSTEM_PROMPT}\nSource: French (fr). Target: English (en).` },
        { role: 'user', content: 'Bonjour **toi** 👋' },
      ],
    });
    expect(MESSAGE_SYSTEM_PROMPT).toMatch(/Markdown/);
    expect(MESSAGE_SYSTEM_PROMPT).toMatch(/code/);
    expect(MESSAGE_SYSTEM_PROMPT).toMatch(/emoji/);
  });

  it('fails on an HTTP error, an empty answer, or an answer without choices', async () => {
    const translator = new OpenAiMessageTranslator(config({ apiKey: null }));
    handler = (_body, _request, response) => json(response, 503, { error: 'busy' });
    await expect(translator.translateMessage('Salut', 'fr', 'en', signal())).rejects.toThrow('HTTP 503');
    handler = (_body, _request, response) => json(response, 200, { choices: [{ message: { content: '   ' } }] });
    await expect(translator.translateMessage('Salut', 'fr', 'en', signal())).rejects.toThrow('empty');
    handler = (_body, _request, response) => json(response, 200, { answer: 'Hi' });
    await expect(translator.translateMessage('Salut', 'fr', 'en', signal())).rejects.toThrow('choices');
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('refuses a loopback translator unless private addresses are allowed', async () => {
    handler = (_body, _request, response) => json(response, 200, { choices: [{ message: { content: 'Hi' } }] });
    const translator = new OpenAiMessageTranslator(config({ allowPrivateNetwork: false }));
    await expect(translator.translateMessage('Salut', 'fr', 'en', signal())).rejects.toThrow();
  });

  it('stops at the caller’s deadline', async () => {
    handler = () => undefined; // never answers
    const translator = new OpenAiMessageTranslator(config());
    await expect(translator.translateMessage('Salut', 'fr', 'en', AbortSignal.timeout(150))).rejects.toThrow();
  });
});

describe('LibreTranslate-compatible translator', () => {
  it('posts { q, source, target, format: text, api_key } to /translate and answers translatedText', async () => {
    seen.length = 0;
    handler = (_body, _request, response) => json(response, 200, { translatedText: 'Good morning, *friend*' });
    const text = await new LibreTranslateTranslator(config()).translateMessage('Bonjour, *ami*', 'fr', 'en-GB', signal());
    expect(text).toBe('Good morning, *friend*');
    expect(seen[0]?.url).toBe('/translate');
    expect(seen[0]?.body).toEqual({ q: 'Bonjour, *ami*', source: 'fr', target: 'en', format: 'text', api_key: 'sk-test' });
  });

  it('translates the widget texts as one batch (q as a list), keeping each key', async () => {
    seen.length = 0;
    handler = (body, _request, response) => {
      const q = (body as { q: string[] }).q;
      json(response, 200, { translatedText: q.map((text) => `[es] ${text}`) });
    };
    const out = await new LibreTranslateTranslator(config({ apiKey: null })).translate({ title: 'Chat', send: 'Send' }, 'en', 'es');
    expect(out).toEqual({ title: '[es] Chat', send: '[es] Send' });
    expect(seen[0]?.body).toEqual({ q: ['Chat', 'Send'], source: 'en', target: 'es', format: 'text' });
  });

  it('maps regional tags to the codes LibreTranslate knows, and fails on an error or a wrong shape', async () => {
    seen.length = 0;
    handler = (_body, _request, response) => json(response, 200, { translatedText: 'Olá' });
    const translator = new LibreTranslateTranslator(config());
    await translator.translateMessage('Hello', 'en', 'pt-BR', signal());
    await translator.translateMessage('Hello', 'en', 'zh-Hant', signal());
    expect(seen.map((s) => (s.body as { target: string }).target)).toEqual(['pb', 'zt']);
    handler = (_body, _request, response) => json(response, 400, { error: 'fr is not supported' });
    await expect(translator.translateMessage('Hello', 'en', 'fr', signal())).rejects.toThrow('HTTP 400');
    handler = (_body, _request, response) => json(response, 200, { text: 'Bonjour' });
    await expect(translator.translateMessage('Hello', 'en', 'fr', signal())).rejects.toThrow('translatedText');
  });
});

describe('translator configuration', () => {
  it('picks the adapter by PARLEY_TRANSLATOR_KIND, openai by default', () => {
    const openai = loadConfig({ PARLEY_TRANSLATOR_URL: 'https://api.example.com/v1' }).translator;
    expect(openai).toMatchObject({ kind: 'openai', messageTimeoutMs: 5000 });
    expect(translatorsFor(openai ?? config()).messages).toBeInstanceOf(OpenAiMessageTranslator);
    const libre = loadConfig({
      PARLEY_TRANSLATOR_URL: 'https://libre.example.com/',
      PARLEY_TRANSLATOR_KIND: 'libretranslate',
      PARLEY_TRANSLATOR_TIMEOUT_MS: '2500',
    }).translator;
    expect(libre).toMatchObject({ kind: 'libretranslate', url: 'https://libre.example.com', messageTimeoutMs: 2500 });
    const picked = translatorsFor(libre ?? config());
    expect(picked.messages).toBeInstanceOf(LibreTranslateTranslator);
    expect(picked.texts).toBe(picked.messages);
  });

  it('refuses an unknown kind, a bad timeout, and translator settings without a URL, naming the variable', () => {
    const url = { PARLEY_TRANSLATOR_URL: 'https://api.example.com/v1' };
    expect(() => loadConfig({ ...url, PARLEY_TRANSLATOR_KIND: 'deepl' })).toThrow(
      /^PARLEY_TRANSLATOR_KIND="deepl" is invalid: expected one of openai, libretranslate/,
    );
    expect(() => loadConfig({ ...url, PARLEY_TRANSLATOR_TIMEOUT_MS: '5s' })).toThrow(/^PARLEY_TRANSLATOR_TIMEOUT_MS="5s" is invalid/);
    expect(() => loadConfig({ ...url, PARLEY_TRANSLATOR_TIMEOUT_MS: '99' })).toThrow(/from 100 to 60000/);
    expect(() => loadConfig({ PARLEY_TRANSLATOR_KIND: 'libretranslate' })).toThrow(/^PARLEY_TRANSLATOR_KIND=.*needs PARLEY_TRANSLATOR_URL/);
    expect(() => loadConfig({ PARLEY_TRANSLATOR_API_KEY: 'sk-secret' })).toThrow(/^PARLEY_TRANSLATOR_API_KEY="…" is invalid/);
    expect(() => loadConfig({ PARLEY_TRANSLATOR_URL: 'libre.example.com', PARLEY_TRANSLATOR_KIND: 'libretranslate' })).toThrow(
      /LibreTranslate-compatible/,
    );
  });
});
