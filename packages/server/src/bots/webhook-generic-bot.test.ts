import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, contextSaying } from './testing/bot-context.js';
import { startFakeGenericWebhook } from './testing/fake-generic-webhook.js';
import type { FakeUpstream } from './testing/fake-upstream.js';
import { WebhookGenericBot } from './webhook-generic-bot.js';
import { signWebhook } from './webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('generic JSON webhook connector', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startFakeGenericWebhook(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
  });
  afterAll(() => fake.close());
  const bot = (secret = SECRET) =>
    new WebhookGenericBot({ allowPrivateNetwork: true, url: `${fake.url}/bot`, flavor: 'generic' }, { signingSecret: secret });

  it('signs each request the Standard Webhooks way, so the receiver can verify it', async () => {
    expect(await collect(bot(), contextSaying('hi'))).toEqual([{ type: 'text', text: 'Echo: hi' }]);
    const request = fake.requests.at(-1);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request?.json).toMatchObject({
      type: 'message',
      conversationId: 'conv_test',
      text: 'hi',
      contact: { email: 'ana@example.com' },
    });
  });

  it('is refused by the receiver when signed with another secret', async () => {
    await expect(collect(bot('whsec_b3RoZXI='), contextSaying('hi'))).rejects.toThrow(/HTTP 401/);
  });

  it('signs id, timestamp and body together (a known vector)', () => {
    const headers = signWebhook(SECRET, '{"test": 2432232314}', 1614265330_000, 'msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('streams an NDJSON answer as deltas', async () => {
    expect(await collect(bot(), contextSaying('stream'))).toEqual([
      { type: 'delta', text: 'Str' },
      { type: 'delta', text: 'eamed' },
      { type: 'end' },
    ]);
  });

  it('maps rich answers and a handoff request', async () => {
    expect(await collect(bot(), contextSaying('rich'))).toEqual([
      { type: 'card', card: { title: 'Plan', subtitle: 'Pro', buttons: [{ label: 'Buy', url: 'https://example.com/buy' }] } },
      { type: 'quick_replies', text: 'More?', replies: ['Yes', 'No'] },
    ]);
    expect(await collect(bot(), contextSaying('human'))).toEqual([{ type: 'handoff', reason: 'asked' }]);
  });
});
