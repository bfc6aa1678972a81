import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiTranslator } from '../widgets/openai-translator.js';
import { BotError } from './bot-connector.js';
import { collect, contextSaying } from './testing/bot-context.js';
import { WebhookN8nBot } from './webhook-n8n-bot.js';

/** A loopback listener that answers as n8n would and counts what reaches it. */
async function listener(answer: string): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method ?? ''} ${request.url ?? ''}`);
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

describe('bot upstreams under the outbound policy', () => {
  let internal: Awaited<ReturnType<typeof listener>>;
  let redirector: Server;
  let redirectorUrl: string;
  beforeAll(async () => {
    internal = await listener('{"output":"internal answer"}');
    redirector = createServer((_request, response) => response.writeHead(302, { location: `${internal.url}/admin` }).end());
    redirector.listen(0, '127.0.0.1');
    await once(redirector, 'listening');
    redirectorUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await close(internal.server);
    await close(redirector);
  });

  it('refuses an upstream that redirects to loopback, and the loopback listener gets no request', async () => {
    const bot = new WebhookN8nBot({ url: `${redirectorUrl}/webhook/chat`, allowPrivateNetwork: true }, {});
    const error = await collect(bot, contextSaying('hi')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BotError);
    expect(String(error)).toMatch(/answered 302 .*redirects are not followed/);
    expect(internal.hits).toEqual([]);
  });

  it('refuses an upstream on a private address unless the bot allows private networks', async () => {
    const refused = new WebhookN8nBot({ url: `${internal.url}/webhook/chat` }, {});
    const error = await collect(refused, contextSaying('hi')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BotError);
    expect(String(error)).toMatch(/127\.0\.0\.1 is not a public address.*allowPrivateNetwork: true/);
    expect(internal.hits).toEqual([]);
  });

  it('calls an upstream on a private address when the bot allows it', async () => {
    const allowed = new WebhookN8nBot({ url: `${internal.url}/webhook/chat`, allowPrivateNetwork: true }, {});
    expect(await collect(allowed, contextSaying('hi'))).toEqual([{ type: 'text', text: 'internal answer' }]);
    expect(internal.hits).toEqual(['POST /webhook/chat']);
  });

  it('refuses a translator on a private address unless PARLEY_TRANSLATOR_ALLOW_PRIVATE says so', async () => {
    const llm = await listener(JSON.stringify({ choices: [{ message: { content: '{"title":"Bonjour"}' } }] }));
    const config = { url: `${llm.url}/v1`, model: 'm', apiKey: null };
    await expect(new OpenAiTranslator({ ...config, allowPrivateNetwork: false }).translate({ title: 'Hello' }, 'en', 'fr')).rejects.toThrow(
      /not a public address/,
    );
    expect(llm.hits).toEqual([]);
    expect(await new OpenAiTranslator({ ...config, allowPrivateNetwork: true }).translate({ title: 'Hello' }, 'en', 'fr')).toEqual({
      title: 'Bonjour',
    });
    await close(llm.server);
  });
});
