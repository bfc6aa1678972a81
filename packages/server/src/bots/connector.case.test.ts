import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotError, type BotConnector } from './bot-connector.js';
import { DialogflowBot } from './dialogflow-bot.js';
import { GoogleTokens } from './google-token.js';
import { OpenAiBot } from './openai-bot.js';
import { RasaBot } from './rasa-bot.js';
import { collect, contextSaying, spoken } from './testing/bot-context.js';
import { startFakeDialogflow } from './testing/fake-dialogflow.js';
import { startFakeGenericWebhook } from './testing/fake-generic-webhook.js';
import { startFakeN8n } from './testing/fake-n8n.js';
import { startFakeOpenAi } from './testing/fake-openai.js';
import { startFakeRasa } from './testing/fake-rasa.js';
import { closedPortUrl, type FakeUpstream, type RecordedRequest } from './testing/fake-upstream.js';
import { WebhookGenericBot } from './webhook-generic-bot.js';
import { WebhookN8nBot } from './webhook-n8n-bot.js';

/** One contract, every connector that talks to an upstream: each runs against a real HTTP server speaking its protocol. */
interface ConnectorCase {
  readonly name: string;
  start(): Promise<{ readonly fake: FakeUpstream; connector(baseUrl?: string): BotConnector; close?(): Promise<void> }>;
  /** The upstream's key for the conversation (n8n sessionId, Rasa sender, Dialogflow session path, …). */
  sessionKey(request: RecordedRequest): unknown;
}

const SECRET = 'generic-webhook-secret';
const body = (request: RecordedRequest): Record<string, unknown> => (request.json ?? {}) as Record<string, unknown>;

const cases: ConnectorCase[] = [
  {
    name: 'webhook (n8n, whole answers)',
    async start() {
      const fake = await startFakeN8n({ streaming: false });
      return { fake, connector: (url = fake.url) => new WebhookN8nBot({ allowPrivateNetwork: true, url: `${url}/webhook/abc/chat` }, {}) };
    },
    sessionKey: (r) => body(r)['sessionId'],
  },
  {
    name: 'webhook (n8n, streaming)',
    async start() {
      const fake = await startFakeN8n({ streaming: true });
      return {
        fake,
        connector: (url = fake.url) => new WebhookN8nBot({ allowPrivateNetwork: true, url: `${url}/webhook/abc/chat`, stream: true }, {}),
      };
    },
    sessionKey: (r) => body(r)['sessionId'],
  },
  {
    name: 'webhook (generic, signed)',
    async start() {
      const fake = await startFakeGenericWebhook(SECRET);
      return {
        fake,
        connector: (url = fake.url) =>
          new WebhookGenericBot({ allowPrivateNetwork: true, url: `${url}/bot`, flavor: 'generic' }, { signingSecret: SECRET }),
      };
    },
    sessionKey: (r) => body(r)['conversationId'],
  },
  {
    name: 'rasa (REST channel)',
    async start() {
      const fake = await startFakeRasa();
      return { fake, connector: (url = fake.url) => new RasaBot({ allowPrivateNetwork: true, url: `${url}/webhooks/rest/webhook` }, {}) };
    },
    sessionKey: (r) => body(r)['sender'],
  },
  {
    name: 'rasa (REST channel, streamed)',
    async start() {
      const fake = await startFakeRasa();
      return {
        fake,
        connector: (url = fake.url) => new RasaBot({ allowPrivateNetwork: true, url: `${url}/webhooks/rest/webhook`, stream: true }, {}),
      };
    },
    sessionKey: (r) => body(r)['sender'],
  },
  ...(['es', 'cx'] as const).map((edition): ConnectorCase => ({
    name: `dialogflow ${edition}`,
    async start() {
      const dialogflow = await startFakeDialogflow();
      const tokens = new GoogleTokens();
      const fake = dialogflow.upstream;
      const config = { edition, projectId: 'demo-project', agentId: 'agent-1', apiBaseUrl: fake.url } as const;
      return {
        fake,
        connector: (url = fake.url) =>
          new DialogflowBot(
            { allowPrivateNetwork: true, ...config, apiBaseUrl: url },
            { serviceAccountKey: dialogflow.serviceAccountKey },
            tokens,
          ),
      };
    },
    sessionKey: (r) => (r.url.startsWith('/token') ? undefined : r.url),
  })),
  {
    name: 'openai-compatible (SSE)',
    async start() {
      const fake = await startFakeOpenAi();
      return {
        fake,
        connector: (url = fake.url) =>
          new OpenAiBot({ allowPrivateNetwork: true, baseUrl: `${url}/v1`, model: 'fake-model' }, { apiKey: 'sk-test' }),
      };
    },
    sessionKey: () => 'stateless',
  },
];

describe.each(cases)('connector contract: $name', (testCase) => {
  let fake: FakeUpstream;
  let connector: (baseUrl?: string) => BotConnector;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ fake, connector, close } = await testCase.start());
  });
  afterAll(async () => {
    await close?.();
    await fake.close();
  });
  const behave = (mode: FakeUpstream['mode']): void => {
    fake.mode = mode;
  };

  it('answers the visitor with what the upstream said', async () => {
    behave({ kind: 'ok' });
    expect(spoken(await collect(connector(), contextSaying('hello there')))).toContain('Echo: hello there');
  });

  it('sends every visitor message since the last bot answer in one turn', async () => {
    behave({ kind: 'ok' });
    expect(spoken(await collect(connector(), contextSaying(['first', 'second'])))).toContain('first\nsecond');
  });

  it('keeps one upstream session per conversation and separates conversations', async () => {
    behave({ kind: 'ok' });
    const keys = async (conversationId: string): Promise<unknown> => {
      const before = fake.requests.length;
      await collect(connector(), contextSaying('hi', conversationId));
      return fake.requests
        .slice(before)
        .map(testCase.sessionKey)
        .find((key) => key !== undefined);
    };
    const first = await keys('conv_a');
    expect(await keys('conv_a')).toEqual(first);
    if (first !== 'stateless') expect(await keys('conv_b')).not.toEqual(first);
  });

  it('gives up with a timeout reason when the upstream hangs', async () => {
    behave({ kind: 'slow' });
    await expect(collect(connector(), contextSaying('hi'), AbortSignal.timeout(300))).rejects.toThrow(/in time/);
  });

  it('fails on a 500 without calling it safe to retry', async () => {
    behave({ kind: 'status', status: 500 });
    const error = await collect(connector(), contextSaying('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/HTTP 500/) });
  });

  it.each([502, 503, 504])('calls a %i (a gateway that never reached the bot) safe to retry', async (status) => {
    behave({ kind: 'status', status });
    await expect(collect(connector(), contextSaying('hi'))).rejects.toMatchObject({ retryable: true });
  });

  it('calls a refused connection safe to retry', async () => {
    await expect(collect(connector(await closedPortUrl()), contextSaying('hi'))).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('fails with a reason on JSON of the wrong shape', async () => {
    behave({ kind: 'malformed' });
    const error = await collect(connector(), contextSaying('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotError);
    expect(String(error)).toMatch(/shape|output|item|JSON/);
  });

  it('fails with a reason on an answer that is not JSON', async () => {
    behave({ kind: 'not-json' });
    const error = await collect(connector(), contextSaying('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotError);
    expect(String(error)).toMatch(/not JSON|HTML/);
  });
});
