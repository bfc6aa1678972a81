import { afterEach, describe, expect, it } from 'vitest';
import { BotError, type BotEvent } from './bot-connector.js';
import { collect, contextSaying, message } from './testing/bot-context.js';
import { chunk } from './testing/fake-n8n.js';
import { sendJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from './testing/fake-upstream.js';
import { WebhookN8nBot } from './webhook-n8n-bot.js';

let fake: FakeUpstream | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function trigger(handler: FakeHandler, stream = true): Promise<{ bot: WebhookN8nBot; fake: FakeUpstream }> {
  fake = await startFakeUpstream(handler);
  return {
    fake,
    bot: new WebhookN8nBot(
      { allowPrivateNetwork: true, url: `${fake.url}/webhook/abc/chat`, stream },
      { headers: { Authorization: 'Basic dXNlcjpwYXNz' } },
    ),
  };
}

/** Writes `bytes` in the given pieces, so chunk boundaries fall anywhere, including inside a UTF-8 character. */
function piecewise(text: string, sizes: readonly number[]): FakeHandler {
  return async ({ response }) => {
    const bytes = Buffer.from(text, 'utf8');
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    let at = 0;
    for (let i = 0; at < bytes.length; i += 1) {
      const size = sizes[i % sizes.length] ?? 1;
      response.write(bytes.subarray(at, at + size));
      at += size;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    response.end();
  };
}

const deltas = (events: readonly BotEvent[]): string =>
  events.map((e) => (e.type === 'delta' ? e.text : e.type === 'end' ? '|' : '')).join('');

describe('n8n Chat Trigger connector', () => {
  it('sends what @n8n/chat sends: sendMessage, the conversation as sessionId, context in metadata, Accept text/plain when streaming', async () => {
    const { bot, fake } = await trigger(({ response }) => sendJson(response, { output: 'ok' }), false);
    await collect(bot, contextSaying('hello'));
    const streaming = await trigger(({ response }) => sendJson(response, { output: 'ok' }), true);
    await collect(streaming.bot, contextSaying('hello'));
    const [plain] = fake.requests;
    expect(plain?.json).toMatchObject({
      action: 'sendMessage',
      sessionId: 'conv_test',
      chatInput: 'hello',
      metadata: { pageUrl: 'https://shop.example/pricing', contact: { name: 'Ana' }, language: 'en' },
    });
    expect(plain?.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' });
    expect(plain?.headers.accept).not.toBe('text/plain');
    expect(streaming.fake.requests[0]?.headers.accept).toBe('text/plain');
  });

  it('passes the metadata of files the visitor sent this turn', async () => {
    const { bot, fake } = await trigger(({ response }) => sendJson(response, { output: 'got it' }), false);
    const file = message('visitor', 'menu.pdf', {
      type: 'file',
      payload: { url: 'https://files.example/menu.pdf', name: 'menu.pdf', mimeType: 'application/pdf', size: 1200 },
    });
    await collect(bot, contextSaying('see attached', 'conv_test', [file]));
    expect(fake.requests[0]?.json).toMatchObject({
      chatInput: 'menu.pdf\nsee attached',
      metadata: { files: [{ url: 'https://files.example/menu.pdf', name: 'menu.pdf', mimeType: 'application/pdf', size: 1200 }] },
    });
  });

  it("forwards the visitor's uploads as the multipart form @n8n/chat sends, metadata as a JSON string", async () => {
    fake = await startFakeUpstream(({ response }) => sendJson(response, { output: 'got the file' }));
    const url = 'https://parley.example/files/abc123';
    const bot = new WebhookN8nBot({ allowPrivateNetwork: true, url: `${fake.url}/webhook/abc/chat` }, {}, (asked) =>
      Promise.resolve(asked === url ? { bytes: Buffer.from('hello file'), name: 'note.txt', mimeType: 'text/plain' } : undefined),
    );
    const file = message('visitor', 'note.txt', { type: 'file', payload: { url, name: 'note.txt', mimeType: 'text/plain', size: 10 } });
    expect(await collect(bot, contextSaying('see attached', 'conv_test', [file]))).toEqual([{ type: 'text', text: 'got the file' }]);
    const request = fake.requests[0];
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = request?.body ?? '';
    expect(body).toMatch(/name="action"\r\n\r\nsendMessage\r\n/);
    expect(body).toMatch(/name="sessionId"\r\n\r\nconv_test\r\n/);
    expect(body).toMatch(/name="chatInput"\r\n\r\nnote.txt\r?\nsee attached\r\n/);
    expect(body).toMatch(/name="metadata"\r\n\r\n\{"conversationId":"conv_test"/);
    expect(body).toMatch(/name="files"; filename="note.txt"\r\nContent-Type: text\/plain\r\n\r\nhello file\r\n/);
  });

  it("sends JSON when the file is not one of Parley's uploads", async () => {
    fake = await startFakeUpstream(({ response }) => sendJson(response, { output: 'ok' }));
    const bot = new WebhookN8nBot({ allowPrivateNetwork: true, url: `${fake.url}/webhook/abc/chat` }, {}, () => Promise.resolve(undefined));
    const file = message('visitor', 'x', { type: 'file', payload: { url: 'http://169.254.169.254/latest', name: 'x' } });
    await collect(bot, contextSaying('hi', 'conv_test', [file]));
    expect(fake.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it.each([[[1]], [[3, 7]], [[50]], [[1000]]])(
    'reassembles NDJSON cut into pieces of %j bytes, multi-byte characters included',
    async (sizes) => {
      const body = [chunk('begin'), chunk('item', 'Grüße '), '{"type":"keepalive"}\n', chunk('item', '你好 👋'), chunk('end')].join('');
      const { bot } = await trigger(piecewise(body, sizes));
      expect(deltas(await collect(bot, contextSaying('hi')))).toBe('Grüße 你好 👋|');
    },
  );

  it('keeps one message per (node, run) segment, also when segments interleave', async () => {
    const body = [chunk('begin', undefined, 'a'), chunk('item', 'one', 'a'), chunk('item', 'two', 'b'), chunk('end', undefined, 'b')].join(
      '',
    );
    const { bot } = await trigger(piecewise(body, [1000]));
    expect(deltas(await collect(bot, contextSaying('hi')))).toBe('one|two|');
  });

  it('fails on an error chunk in the middle of the stream, naming it', async () => {
    const body = [chunk('begin'), chunk('item', 'Hal'), chunk('error', 'Model quota exceeded')].join('');
    const { bot } = await trigger(piecewise(body, [1000]));
    await expect(collect(bot, contextSaying('hi'))).rejects.toThrow(/Model quota exceeded/);
  });

  it('fails when a streaming trigger sent no item at all', async () => {
    const { bot } = await trigger(piecewise([chunk('begin'), chunk('end')].join(''), [1000]));
    await expect(collect(bot, contextSaying('hi'))).rejects.toThrow(BotError);
  });

  it('reads a whole answer when streaming was asked for but the trigger does not stream', async () => {
    const { bot } = await trigger(({ response }) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{\n  "output": "Whole answer"\n}');
    });
    expect(await collect(bot, contextSaying('hi'))).toEqual([{ type: 'text', text: 'Whole answer' }]);
  });

  it('turns a with-buttons answer into quick replies', async () => {
    const buttons = JSON.stringify({
      type: 'with-buttons',
      text: 'Pick one',
      buttons: [{ text: 'Yes' }, { text: 'No' }],
      blockUserInput: true,
    });
    const { bot } = await trigger(({ response }) => sendJson(response, { output: buttons }), false);
    expect(await collect(bot, contextSaying('hi'))).toEqual([{ type: 'quick_replies', text: 'Pick one', replies: ['Yes', 'No'] }]);
  });

  it.each([[{ message: 'Workflow executed successfully but the last node did not return any data' }], [{ something: 'else' }]])(
    "treats n8n's no-answer bodies as failures: %j",
    async (answer) => {
      const { bot } = await trigger(({ response }) => sendJson(response, answer), false);
      await expect(collect(bot, contextSaying('hi'))).rejects.toThrow(BotError);
    },
  );
});
