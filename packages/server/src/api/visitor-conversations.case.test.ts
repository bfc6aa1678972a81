import { expect, it } from 'vitest';
import type { VisitorConversationSummary } from '@parley/protocol';
import { identityHash } from '../index.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const ORIGIN = 'https://shop.example';
const headers = { origin: ORIGIN };

async function multiWidget(server: TestServer, extra: Record<string, unknown> = {}): Promise<string> {
  const { widgetId } = await createBotAndWidget(server, {
    origin: [ORIGIN],
    initial: 'Hello! How can we help?',
    conversations: { multiple: true },
    ...extra,
  });
  return widgetId;
}

const list = (server: TestServer, widgetId: string, token: string) =>
  server.request('GET', `/v1/widgets/${widgetId}/visitor/conversations`, { auth: token, headers });
const start = (server: TestServer, widgetId: string, token: string, body: Record<string, unknown> = {}) =>
  server.request('POST', `/v1/widgets/${widgetId}/visitor/conversations`, { auth: token, headers, body });
const open = (server: TestServer, widgetId: string, token: string, conversationId: string) =>
  server.request('POST', `/v1/widgets/${widgetId}/visitor/conversations/${conversationId}/session`, { auth: token, headers, body: {} });
const send = (server: TestServer, conversationId: string, token: string, text: string) =>
  server.request('POST', `/v1/conversations/${conversationId}/messages`, { auth: token, headers, body: { text } });

async function signed(server: TestServer, widgetId: string, userId: string) {
  const { identitySecret } = (await server.request('GET', `/v1/widgets/${widgetId}/identity-secret`)).json;
  return { userId, userHash: identityHash(identitySecret, userId) };
}

const ids = (items: readonly VisitorConversationSummary[]) => items.map((item) => item.id);

describeEachStore('several conversations per visitor (issue 20)', (server) => {
  it('starts a second conversation, leaves the first as it was, and lists both newest first with their last message', async () => {
    const widgetId = await multiWidget(server());
    const first = await openSession(server(), widgetId, {}, headers);
    expect((await send(server(), first.conversationId, first.token, 'What is the price?')).status).toBe(201);

    const started = await start(server(), widgetId, first.token, { meta: { page: '/pricing' } });
    expect(started.status).toBe(201);
    expect(started.json.resumed).toBe(false);
    expect(started.json.conversationId).not.toBe(first.conversationId);
    // A new conversation: the widget's greeting and nothing of the first one.
    expect(started.json.messages.map((m: { text: string }) => m.text)).toEqual(['Hello! How can we help?']);
    // The first token still reaches its own conversation, untouched.
    const firstMessages = await server().request('GET', `/v1/conversations/${first.conversationId}/messages`, {
      auth: first.token,
      headers,
    });
    expect(firstMessages.json.items.map((m: { text: string }) => m.text)).toContain('What is the price?');
    // The new token reaches the new conversation only.
    const crossed = await server().request('GET', `/v1/conversations/${first.conversationId}/messages`, {
      auth: started.json.token,
      headers,
    });
    expect(crossed.status).toBe(403);

    await new Promise((resolve) => setTimeout(resolve, 50)); // the bot's answer to the first, in the background
    const listed = await list(server(), widgetId, started.json.token);
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    const items: VisitorConversationSummary[] = listed.json.items;
    expect(ids(items)).toEqual([started.json.conversationId, first.conversationId]);
    expect(items[0]).toMatchObject({ status: 'open', current: true, lastMessage: { role: 'bot', text: 'Hello! How can we help?' } });
    expect(items[1]?.current).toBe(false);
    expect(['What is the price?', 'It is free.']).toContain(items[1]?.lastMessage?.text);
    expect(Date.parse(items[1]?.lastActivityAt ?? '')).not.toBeNaN();
    // The same list from the first conversation's token, with `current` on that one.
    const fromFirst: VisitorConversationSummary[] = (await list(server(), widgetId, first.token)).json.items;
    expect(fromFirst.map((item) => [item.id, item.current])).toEqual([
      [started.json.conversationId, false],
      [first.conversationId, true],
    ]);
    // A third, started from the second: still one visitor.
    const third = await start(server(), widgetId, started.json.token);
    expect(ids((await list(server(), widgetId, first.token)).json.items)).toEqual([
      third.json.conversationId,
      started.json.conversationId,
      first.conversationId,
    ]);
  });

  it('counts unread messages after the visitor’s read cursor and says resolved', async () => {
    const widgetId = await multiWidget(server());
    const first = await openSession(server(), widgetId, {}, headers);
    const second = await start(server(), widgetId, first.token);
    const unreadOf = async (id: string) =>
      ((await list(server(), widgetId, first.token)).json.items as VisitorConversationSummary[]).find((item) => item.id === id);
    // The greeting is the bot's, unread.
    expect((await unreadOf(second.json.conversationId))?.unread).toBe(1);
    await server().services.signals.markRead(second.json.conversationId, { role: 'visitor', id: second.json.conversationId }, 1);
    expect((await unreadOf(second.json.conversationId))?.unread).toBe(0);
    // A private note is neither unread nor the last message.
    await server().request('POST', `/v1/inbox/${second.json.conversationId}/notes`, { body: { text: 'secret note' } });
    const after = await unreadOf(second.json.conversationId);
    expect(after?.unread).toBe(0);
    expect(after?.lastMessage?.text).toBe('Hello! How can we help?');

    const resolved = await server().request('POST', `/v1/inbox/${first.conversationId}/resolve`, { body: {} });
    expect(resolved.status).toBe(200);
    expect((await unreadOf(first.conversationId))?.status).toBe('resolved');
  });

  it('lists only the visitor’s own conversations and refuses to open anyone else’s', async () => {
    const widgetId = await multiWidget(server());
    const mine = await openSession(server(), widgetId, {}, headers);
    const mySecond = await start(server(), widgetId, mine.token);
    const theirs = await openSession(server(), widgetId, {}, headers);
    const theirSecond = await start(server(), widgetId, theirs.token);
    const otherWidget = await multiWidget(server());
    const elsewhere = await openSession(server(), otherWidget, {}, headers);

    expect(ids((await list(server(), widgetId, mine.token)).json.items)).toEqual([mySecond.json.conversationId, mine.conversationId]);
    expect(ids((await list(server(), widgetId, theirs.token)).json.items)).toEqual([
      theirSecond.json.conversationId,
      theirs.conversationId,
    ]);

    // Another visitor's conversation answers as one that does not exist, and so does an unknown id.
    for (const id of [theirs.conversationId, theirSecond.json.conversationId, elsewhere.conversationId, 'conv_nope']) {
      const refused = await open(server(), widgetId, mine.token, id);
      expect(refused.status).toBe(404);
      expect(refused.json.error.code).toBe('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    }
    // A token of one widget lists nothing of another.
    const crossWidget = await list(server(), widgetId, elsewhere.token);
    expect(crossWidget.status).toBe(403);
    expect(crossWidget.json.error.code).toBe('PARLEY_ERR_AUTH_FORBIDDEN');
    // No token, no list.
    const anonymous = await server().request('GET', `/v1/widgets/${widgetId}/visitor/conversations`, { auth: 'none', headers });
    expect(anonymous.status).toBe(401);

    // Opening one's own: a token for it with its messages, nothing written.
    const opened = await open(server(), widgetId, mySecond.json.token, mine.conversationId);
    expect(opened.status).toBe(200);
    expect(opened.json).toMatchObject({ conversationId: mine.conversationId, resumed: true });
    expect(opened.json.messages.map((m: { text: string }) => m.text)).toEqual(['Hello! How can we help?']);
    const reached = await send(server(), mine.conversationId, opened.json.token, 'back here');
    expect(reached.status).toBe(201);
  });

  it('keeps an identity’s conversations together across two devices', async () => {
    const widgetId = await multiWidget(server());
    const identity = await signed(server(), widgetId, 'user-7');
    // Device A: the identity's first conversation, then a second.
    const a = await openSession(server(), widgetId, { identity }, headers);
    const aSecond = await start(server(), widgetId, a.token);
    expect(aSecond.status).toBe(201);
    // Device B, another browser: the identity resumes its latest open conversation and lists both.
    const b = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', headers, body: { identity } });
    expect(b.json).toMatchObject({ conversationId: aSecond.json.conversationId, resumed: true });
    const items: VisitorConversationSummary[] = (await list(server(), widgetId, b.json.token)).json.items;
    expect(ids(items)).toEqual([aSecond.json.conversationId, a.conversationId]);
    // Device B opens the first and writes there; device A sees the message.
    const opened = await open(server(), widgetId, b.json.token, a.conversationId);
    expect(opened.status).toBe(200);
    expect((await send(server(), a.conversationId, opened.json.token, 'from the phone')).status).toBe(201);
    const onA = await server().request('GET', `/v1/conversations/${a.conversationId}/messages`, { auth: a.token, headers });
    expect(onA.json.items.map((m: { text: string }) => m.text)).toContain('from the phone');
    // A conversation started on B carries the identity: A lists it too.
    const bThird = await start(server(), widgetId, b.json.token);
    const rows = await server()
      .services.database.db.selectFrom('conversations')
      .select(['identity_user_id', 'contact_id'])
      .where('id', 'in', [a.conversationId, bThird.json.conversationId])
      .execute();
    expect(rows.map((row) => row.identity_user_id)).toEqual(['user-7', 'user-7']);
    expect(new Set(rows.map((row) => row.contact_id)).size).toBe(1);
    expect(ids((await list(server(), widgetId, a.token)).json.items)[0]).toBe(bThird.json.conversationId);

    // Another identity, and an anonymous visitor, see none of them.
    const other = await openSession(server(), widgetId, { identity: await signed(server(), widgetId, 'user-8') }, headers);
    expect(ids((await list(server(), widgetId, other.token)).json.items)).toEqual([other.conversationId]);
    expect((await open(server(), widgetId, other.token, a.conversationId)).status).toBe(404);
    const anonymous = await openSession(server(), widgetId, {}, headers);
    expect((await open(server(), widgetId, anonymous.token, a.conversationId)).status).toBe(404);
  });

  it('refuses every route with PARLEY_ERR_CONVERSATIONS_SINGLE by default, and a new session still resumes the one conversation', async () => {
    const { widgetId } = await createBotAndWidget(server(), { origin: [ORIGIN] });
    const config = await server().request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none', headers });
    expect(config.json.conversations).toEqual({ multiple: false });
    const identity = await signed(server(), widgetId, 'user-1');
    const first = await openSession(server(), widgetId, { identity }, headers);
    for (const refused of [
      await list(server(), widgetId, first.token),
      await start(server(), widgetId, first.token),
      await open(server(), widgetId, first.token, first.conversationId),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_CONVERSATIONS_SINGLE');
    }
    const again = await openSession(server(), widgetId, { identity }, headers);
    expect(again.conversationId).toBe(first.conversationId);
    const count = await server().services.database.db.selectFrom('conversations').select('id').where('widget_id', '=', widgetId).execute();
    expect(count).toHaveLength(1);

    // Turned off after being on: the routes refuse again.
    const multi = await multiWidget(server());
    const session = await openSession(server(), multi, {}, headers);
    expect((await list(server(), multi, session.token)).status).toBe(200);
    await server().request('PATCH', `/v1/widgets/${multi}`, { body: { conversations: { multiple: false } } });
    expect((await list(server(), multi, session.token)).json.error.code).toBe('PARLEY_ERR_CONVERSATIONS_SINGLE');
    const bad = await server().request('PATCH', `/v1/widgets/${multi}`, { body: { conversations: { multiple: 'yes' } } });
    expect(bad.status).toBe(400);
  });

  it('refuses a blocked visitor on every route, as every visitor route does', async () => {
    const widgetId = await multiWidget(server());
    const visitor = await openSession(server(), widgetId, {}, headers);
    const second = await start(server(), widgetId, visitor.token);
    const blocked = await server().request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
      body: { scope: 'visitor', duration: '7d', reason: 'spam links' },
    });
    expect(blocked.status).toBeLessThan(300);
    for (const refused of [
      await list(server(), widgetId, visitor.token),
      await start(server(), widgetId, visitor.token),
      await open(server(), widgetId, visitor.token, second.json.conversationId),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
    }
  });

  it('carries the consent of the asking token into the new conversation, so withdrawing it ends both', async () => {
    const widgetId = await multiWidget(server(), { privacy: { consent: true, consentVersion: 'v1' } });
    const { consentId } = (
      await server().request('POST', `/v1/widgets/${widgetId}/consent`, { auth: 'none', headers, body: { version: 'v1', accepted: true } })
    ).json;
    const first = await openSession(server(), widgetId, { consentId }, headers);
    const second = await start(server(), widgetId, first.token);
    expect(second.status).toBe(201);
    // The new token carries the same acceptance: withdrawing it from the first conversation ends both sessions.
    const withdrawn = await server().request('POST', `/v1/conversations/${first.conversationId}/consent/withdraw`, {
      auth: first.token,
      headers,
    });
    expect(withdrawn.status).toBeLessThan(300);
    const refused = await send(server(), second.json.conversationId, second.json.token, 'still here?');
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_TOKEN_INVALID');
  });
});
