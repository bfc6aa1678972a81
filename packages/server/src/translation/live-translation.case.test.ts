import { expect, it } from 'vitest';
import { createAgent, type TestAgent } from '../testing/agent-fixtures.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import type { MessageTranslator } from './message-translator.js';

/** What the fake translator does next: prefix `[to] `, answer an error, or never answer. */
let mode: 'ok' | 'fail' | 'hang' = 'ok';
const asked: { text: string; from: string; to: string }[] = [];
const fake: MessageTranslator = {
  translateMessage(text, from, to) {
    asked.push({ text, from, to });
    if (mode === 'fail') return Promise.reject(new Error('translator answered HTTP 503'));
    if (mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve(`[${to}] ${text}`);
  },
};

const TIMEOUT_MS = 400;
// A translator URL makes the timeout setting valid; the fake answers instead of it (the adapters have their own tests).
const env = { PARLEY_TRANSLATOR_URL: 'http://127.0.0.1:9/v1', PARLEY_TRANSLATOR_TIMEOUT_MS: String(TIMEOUT_MS) };

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
}

interface StoredMessage {
  readonly text: string;
  readonly type: string;
  readonly author: { readonly role: string };
  readonly translation?: { from: string; to: string; text?: string; failed?: true };
}

async function widgetWithBot(
  server: TestServer,
  botConfig: Record<string, unknown>,
  widget: Record<string, unknown> = {},
): Promise<string> {
  const bot = await server.request('POST', '/v1/bots', { body: { kind: 'builtin', name: 'Echo', config: { echo: true, ...botConfig } } });
  if (bot.status !== 201) throw new Error(bot.body);
  // The conversation's language is one the widget offers (the widget's `languages`): a French visitor needs fr there.
  const created = await server.request('POST', '/v1/widgets', {
    body: { name: 'Translated', botId: bot.json.id, languages: ['en', 'fr', 'de'], ...widget },
  });
  if (created.status !== 201) throw new Error(created.body);
  return created.json.id;
}

async function visitor(server: TestServer, widgetId: string, language: string): Promise<Visitor> {
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { language } });
  if (created.status !== 201) throw new Error(created.body);
  return { token: created.json.token, conversationId: created.json.conversationId };
}

async function say(server: TestServer, v: Visitor, text: string): Promise<StoredMessage> {
  const sent = await server.request('POST', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token, body: { text } });
  if (sent.status !== 201) throw new Error(sent.body);
  await server.services.botTurns.idle();
  return sent.json.message ?? sent.json;
}

async function reply(server: TestServer, agent: TestAgent, v: Visitor, text: string): Promise<StoredMessage> {
  const sent = await server.request('POST', `/v1/inbox/${v.conversationId}/messages`, {
    auth: 'none',
    headers: { cookie: agent.cookie },
    body: { text },
  });
  if (sent.status !== 201) throw new Error(sent.body);
  await server.services.desk.idle();
  return sent.json.message;
}

async function stored(server: TestServer, v: Visitor): Promise<StoredMessage[]> {
  const response = await server.request('GET', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token });
  // After the widget's greeting (the bot's first message, written with the session).
  return (response.json.items as StoredMessage[]).filter((m) => m.type === 'text').slice(1);
}

describeEachDialect(
  'live translation',
  (dialect) => startTestServer(dialect, { messageTranslator: fake, translator: null }, env),
  (server) => {
    const englishAgent = async (): Promise<TestAgent> => {
      const agent = await createAgent(server(), { name: 'Ada' });
      const set = await server().request('PATCH', '/v1/agents/me', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { language: 'en' },
      });
      expect(set.status).toBe(200);
      expect(set.json.language).toBe('en');
      return agent;
    };

    it("stores a French visitor's and an English agent's messages as written, each with a translation for the other", async () => {
      mode = 'ok';
      const agent = await englishAgent();
      const v = await visitor(server(), await widgetWithBot(server(), {}), 'fr');
      // The agent answers: the conversation is theirs from now on; the visitor reads French.
      const answer = await reply(server(), agent, v, 'Hello, how can I help?');
      expect(answer.text).toBe('Hello, how can I help?');
      expect(answer.translation).toEqual({ from: 'en', to: 'fr', text: '[fr] Hello, how can I help?' });
      const question = await say(server(), v, 'Bonjour, ma commande est en retard.');
      expect(question.translation).toEqual({ from: 'fr', to: 'en', text: '[en] Bonjour, ma commande est en retard.' });
      const messages = await stored(server(), v);
      expect(messages.map((m) => [m.author.role, m.text, m.translation?.text])).toEqual([
        ['agent', 'Hello, how can I help?', '[fr] Hello, how can I help?'],
        ['visitor', 'Bonjour, ma commande est en retard.', '[en] Bonjour, ma commande est en retard.'],
      ]);
      // The console reads the same rows (originals and translations) through the inbox.
      const inbox = await server().request('GET', `/v1/conversations/${v.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
      });
      expect(inbox.json.items.at(-1).translation.text).toBe('[en] Bonjour, ma commande est en retard.');
    });

    it('translates nothing when both sides share a language, or the agent set none', async () => {
      mode = 'ok';
      asked.length = 0;
      const agent = await englishAgent();
      const english = await visitor(server(), await widgetWithBot(server(), {}), 'en-GB');
      expect((await reply(server(), agent, english, 'Hi')).translation).toBeUndefined();
      expect((await say(server(), english, 'Hello')).translation).toBeUndefined();
      const unset = await createAgent(server());
      const french = await visitor(server(), await widgetWithBot(server(), {}), 'fr');
      expect((await reply(server(), unset, french, 'Hi')).translation).toBeUndefined();
      expect(asked).toEqual([]);
      const cleared = await server().request('PATCH', '/v1/agents/me', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { language: null },
      });
      expect(cleared.json.language).toBeNull();
      const bad = await server().request('PATCH', '/v1/agents/me', {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { language: 'not a language' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'language' });
    });

    it('delivers the original with a failed mark when the translator fails or hangs, and loses nothing', async () => {
      const agent = await englishAgent();
      const v = await visitor(server(), await widgetWithBot(server(), {}), 'fr');
      mode = 'fail';
      const refused = await reply(server(), agent, v, 'We are looking into it.');
      expect(refused.translation).toEqual({ from: 'en', to: 'fr', failed: true });
      mode = 'hang';
      const started = Date.now();
      const held = await say(server(), v, 'Merci beaucoup !');
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
      expect(held.translation).toEqual({ from: 'fr', to: 'en', failed: true });
      mode = 'ok';
      await say(server(), v, 'Toujours là ?');
      const messages = await stored(server(), v);
      expect(messages.map((m) => [m.text, m.translation?.failed ?? false, m.translation?.text])).toEqual([
        ['We are looking into it.', true, undefined],
        ['Merci beaucoup !', true, undefined],
        ['Toujours là ?', false, '[en] Toujours là ?'],
      ]);
    });

    it('gives a bot the translation into its language when it asks for it, and the original otherwise', async () => {
      mode = 'ok';
      const translated = await visitor(
        server(),
        await widgetWithBot(server(), { translation: { receives: 'translation' } }, { language: 'en' }),
        'fr',
      );
      const said = await say(server(), translated, 'Bonjour');
      expect(said.translation).toEqual({ from: 'fr', to: 'en', text: '[en] Bonjour' });
      // The echo bot repeats what it was given: the English translation; its answer goes back to French.
      const botSaid = (await stored(server(), translated)).filter((m) => m.author.role === 'bot');
      expect(botSaid.map((m) => [m.text, m.translation])).toEqual([['[en] Bonjour', { from: 'en', to: 'fr', text: '[fr] [en] Bonjour' }]]);

      const original = await visitor(
        server(),
        await widgetWithBot(server(), { translation: { receives: 'original' } }, { language: 'en' }),
        'fr',
      );
      expect((await say(server(), original, 'Bonjour')).translation).toBeUndefined();
      const echoed = (await stored(server(), original)).filter((m) => m.author.role === 'bot');
      expect(echoed.map((m) => [m.text, m.translation])).toEqual([['Bonjour', undefined]]);

      const german = await visitor(
        server(),
        await widgetWithBot(server(), { translation: { receives: 'translation', language: 'de' } }),
        'fr',
      );
      expect((await say(server(), german, 'Salut')).translation).toEqual({ from: 'fr', to: 'de', text: '[de] Salut' });

      const refused = await server().request('POST', '/v1/bots', {
        body: { kind: 'builtin', name: 'Bad', config: { translation: { receives: 'sometimes' } } },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');
    });
  },
);
