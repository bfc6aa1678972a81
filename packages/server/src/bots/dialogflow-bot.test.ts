import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DialogflowBot } from './dialogflow-bot.js';
import { GoogleTokens } from './google-token.js';
import { collect, contextSaying } from './testing/bot-context.js';
import { startFakeDialogflow, type FakeDialogflow } from './testing/fake-dialogflow.js';

describe('Dialogflow connector', () => {
  let dialogflow: FakeDialogflow;
  beforeAll(async () => {
    dialogflow = await startFakeDialogflow();
  });
  afterAll(() => dialogflow.upstream.close());
  const bot = (edition: 'es' | 'cx', tokens = new GoogleTokens()) =>
    new DialogflowBot(
      {
        allowPrivateNetwork: true,
        edition,
        projectId: 'demo-project',
        agentId: 'agent-1',
        location: 'europe-west1',
        apiBaseUrl: dialogflow.upstream.url,
      },
      { serviceAccountKey: dialogflow.serviceAccountKey },
      tokens,
    );

  it('exchanges a signed JWT for a token once, and reuses it until it nears expiry', async () => {
    let now = Date.now();
    const tokens = new GoogleTokens(() => now);
    const before = dialogflow.tokensIssued();
    await collect(bot('es', tokens), contextSaying('one'));
    await collect(bot('cx', tokens), contextSaying('two'));
    expect(dialogflow.tokensIssued() - before).toBe(1);
    now += 3600_000;
    await collect(bot('es', tokens), contextSaying('three'));
    expect(dialogflow.tokensIssued() - before).toBe(2);
  });

  it('gets a new token after the API refuses the cached one', async () => {
    const tokens = new GoogleTokens();
    await collect(bot('es', tokens), contextSaying('one'));
    // Another client takes a newer token: the fake then only accepts that one, as after a key rotation.
    await collect(bot('es', new GoogleTokens()), contextSaying('rotate'));
    await expect(collect(bot('es', tokens), contextSaying('two'))).rejects.toThrow(/HTTP 401/);
    expect(await collect(bot('es', tokens), contextSaying('three'))).toContainEqual({ type: 'text', text: 'Echo: three' });
  });

  it('calls ES v2 detectIntent on the regional session path with the language inside text', async () => {
    await collect(bot('es'), contextSaying('hello'));
    const request = dialogflow.upstream.requests.at(-1);
    expect(request?.url).toMatch(/^\/v2\/projects\/demo-project\/locations\/europe-west1\/agent\/sessions\/[0-9a-f]{32}:detectIntent$/);
    expect(request?.json).toMatchObject({
      queryInput: { text: { text: 'hello', languageCode: 'en' } },
      queryParams: { payload: { parley: { conversationId: 'conv_test' } } },
    });
  });

  it('calls CX v3 detectIntent on the agent session path with languageCode beside text', async () => {
    await collect(bot('cx'), contextSaying('hello'));
    const request = dialogflow.upstream.requests.at(-1);
    expect(request?.url).toMatch(
      /^\/v3\/projects\/demo-project\/locations\/europe-west1\/agents\/agent-1\/sessions\/[0-9a-f]{32}:detectIntent$/,
    );
    expect(request?.json).toMatchObject({ queryInput: { text: { text: 'hello' }, languageCode: 'en' } });
  });

  it('ES: shows platform-neutral messages only, and maps quick replies and cards', async () => {
    expect(await collect(bot('es'), contextSaying('options'))).toEqual([
      { type: 'text', text: 'Echo: options' },
      { type: 'quick_replies', text: 'Pick one', replies: ['2', '4'] },
    ]);
    expect(await collect(bot('es'), contextSaying('card'))).toContainEqual({
      type: 'card',
      card: {
        title: 'Plan',
        subtitle: 'Pro',
        imageUrl: 'https://example.com/p.png',
        buttons: [{ label: 'Buy', url: 'https://example.com/buy' }],
      },
    });
  });

  it('CX: maps richContent chips and info/button items to quick replies and a card', async () => {
    expect(await collect(bot('cx'), contextSaying('options'))).toContainEqual({ type: 'quick_replies', text: '', replies: ['2', '4'] });
    expect(await collect(bot('cx'), contextSaying('card'))).toContainEqual({
      type: 'card',
      card: {
        title: 'Plan',
        subtitle: 'Pro',
        url: 'https://example.com/plan',
        buttons: [{ label: 'Buy', url: 'https://example.com/buy' }],
      },
    });
  });

  it.each(['es', 'cx'] as const)('%s: a live-agent handoff asks for a human', async (edition) => {
    expect((await collect(bot(edition), contextSaying('agent'))).at(-1)).toMatchObject({ type: 'handoff' });
  });

  it('fails with a reason when the key is not a service-account key', async () => {
    const broken = new DialogflowBot(
      { allowPrivateNetwork: true, edition: 'es', projectId: 'demo-project', apiBaseUrl: dialogflow.upstream.url },
      { serviceAccountKey: '{"type":"x"}' },
      new GoogleTokens(),
    );
    await expect(collect(broken, contextSaying('hi'))).rejects.toThrow(/service-account/);
  });
});
