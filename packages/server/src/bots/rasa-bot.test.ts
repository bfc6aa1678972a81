import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RasaBot } from './rasa-bot.js';
import { collect, contextSaying, message } from './testing/bot-context.js';
import { startFakeRasa } from './testing/fake-rasa.js';
import type { FakeUpstream } from './testing/fake-upstream.js';

describe('Rasa REST connector', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startFakeRasa();
  });
  afterAll(() => fake.close());
  const bot = (stream = false) =>
    new RasaBot({ allowPrivateNetwork: true, url: `${fake.url}/webhooks/rest/webhook`, stream }, { token: 'rasa-token' });

  it('posts sender, message, metadata and input_channel as the REST channel expects', async () => {
    await collect(bot(), contextSaying('hello'));
    const request = fake.requests.at(-1);
    expect(request?.url).toBe('/webhooks/rest/webhook');
    expect(request?.headers.authorization).toBe('Bearer rasa-token');
    expect(request?.json).toEqual({
      sender: 'conv_test',
      message: 'hello',
      input_channel: 'parley',
      metadata: expect.objectContaining({ pageUrl: 'https://shop.example/pricing', language: 'en' }),
    });
  });

  it('maps buttons to quick replies that keep the button payloads as values', async () => {
    expect(await collect(bot(), contextSaying('book'))).toEqual([
      {
        type: 'quick_replies',
        text: 'For how many people?',
        replies: ['2', '4'],
        values: ['/inform{"people":"2"}', '/inform{"people":"4"}'],
      },
    ]);
  });

  it('sends the payload of the button the visitor chose, not its title', async () => {
    const offer = message('bot', 'For how many people?', {
      type: 'quick_replies',
      payload: { replies: ['2', '4'], values: ['/inform{"people":"2"}', '/inform{"people":"4"}'] },
    });
    expect(await collect(bot(), contextSaying('4', 'conv_test', [offer]))).toEqual([
      { type: 'text', text: 'Booked: /inform{"people":"4"}' },
    ]);
  });

  it('keeps buttons an offer when an image follows them, and maps the title chosen afterwards to its payload', async () => {
    expect(await collect(bot(), contextSaying('book with menu'))).toEqual([
      { type: 'quick_replies', text: 'For how many people?', replies: ['2'], values: ['/inform{"people":"2"}'] },
      { type: 'image', image: { url: 'https://example.com/menu.png', mimeType: 'image/*' } },
    ]);
    const offer = message('bot', 'For how many people?', {
      type: 'quick_replies',
      payload: { replies: ['2'], values: ['/inform{"people":"2"}'] },
    });
    const image = message('bot', '', { type: 'file', payload: { url: 'https://example.com/menu.png', mimeType: 'image/*' } });
    await collect(bot(), contextSaying('2', 'conv_test', [offer, image]));
    expect(fake.requests.at(-1)?.json).toMatchObject({ message: '/inform{"people":"2"}' });
  });

  it('sends the title as typed once the visitor has answered the offer (an old offer is not the current one)', async () => {
    const offer = message('bot', 'For how many people?', {
      type: 'quick_replies',
      payload: { replies: ['2', '4'], values: ['/inform{"people":"2"}', '/inform{"people":"4"}'] },
    });
    const answered = [offer, message('visitor', '4'), message('bot', 'Booked for 4. Anything else?')];
    await collect(bot(), contextSaying('2', 'conv_test', answered));
    expect(fake.requests.at(-1)?.json).toMatchObject({ message: '2' });
  });

  it('reads the Socket.IO shapes custom channels relay: quick_replies as buttons, an image attachment as an image', async () => {
    expect(await collect(bot(), contextSaying('socket shapes'))).toEqual([
      { type: 'quick_replies', text: 'Which size?', replies: ['Large'], values: ['/size{"s":"L"}'] },
      { type: 'image', image: { url: 'https://example.com/sizes.png', mimeType: 'image/*' } },
    ]);
  });

  it('maps an image to an image message and a custom handoff payload to a handoff', async () => {
    expect(await collect(bot(), contextSaying('menu'))).toEqual([
      { type: 'text', text: 'Here is the menu.' },
      { type: 'image', image: { url: 'https://example.com/menu.png', mimeType: 'image/*' } },
    ]);
    expect(await collect(bot(), contextSaying('human'))).toEqual([
      { type: 'text', text: 'Let me get someone.' },
      { type: 'handoff', reason: 'user_request' },
    ]);
  });

  it('asks for ?stream=true and reads one message per line when streaming', async () => {
    expect(await collect(bot(true), contextSaying('menu'))).toHaveLength(2);
    expect(fake.requests.at(-1)?.url).toBe('/webhooks/rest/webhook?stream=true');
  });

  it('says nothing for an empty array (Rasa had nothing to say)', async () => {
    fake.mode = { kind: 'ok' };
    const empty = await startFakeRasaAnswering([]);
    expect(
      await collect(new RasaBot({ allowPrivateNetwork: true, url: `${empty.url}/webhooks/rest/webhook` }, {}), contextSaying('hi')),
    ).toEqual([]);
    await empty.close();
  });
});

async function startFakeRasaAnswering(answer: unknown): Promise<FakeUpstream> {
  const { startFakeUpstream, sendJson } = await import('./testing/fake-upstream.js');
  return startFakeUpstream(({ response }) => sendJson(response, answer));
}
