import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import { SessionTokens } from '../auth/session-tokens.js';
import { describeEachStoreListening, type RealtimeServer } from '../realtime/testing/realtime-server.js';
import { connectWs, rawWs } from '../realtime/testing/ws-test-client.js';
import { TEST_SECRET } from '../testing/test-server.js';

const ORIGIN = 'https://shop.example';
const headers = { origin: ORIGIN };

async function consentWidget(server: RealtimeServer, selfService = false): Promise<string> {
  const bot = await server.json('POST', '/v1/bots', { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Sorry.' } });
  const widget = await server.json('POST', '/v1/widgets', {
    name: 'Consent',
    botId: bot.body['id'],
    origin: [ORIGIN],
    privacy: { consent: true, consentVersion: 'v1', selfService },
  });
  return String(widget.body['id']);
}

/** An acceptance, then a session it admits (with an identity when given): the token and conversation. */
async function acceptAndOpen(
  server: RealtimeServer,
  widgetId: string,
  identity?: { userId: string; userHash: string },
): Promise<{ token: string; conversationId: string; consentId: string }> {
  const accepted = await server.json('POST', `/v1/widgets/${widgetId}/consent`, { version: 'v1', accepted: true }, null, headers);
  const consentId = String(accepted.body['consentId']);
  const body = { consentId, ...(identity === undefined ? {} : { identity }) };
  const session = await server.json('POST', `/v1/widgets/${widgetId}/sessions`, body, null, headers);
  if (session.status !== 201) throw new Error(`session failed: ${JSON.stringify(session.body)}`);
  return { token: String(session.body['token']), conversationId: String(session.body['conversationId']), consentId };
}

const messagesOf = (server: RealtimeServer, conversationId: string, token: string) =>
  server.json('GET', `/v1/conversations/${conversationId}/messages`, undefined, token, headers);

/** A connect with this token gets no welcome and is closed (401-like 4001, or 4003). */
async function expectConnectRefused(server: RealtimeServer, token: string): Promise<void> {
  const again = await rawWs(server.baseUrl, token, ORIGIN);
  again.ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
  const closed = await again.log.waitForClose();
  expect(again.log.frames.some((frame) => frame.type === 'welcome')).toBe(false);
  expect([4001, 4003]).toContain(closed.code);
}

describeEachStoreListening('consent withdrawal ends the session (issue 18)', (server) => {
  it('refuses the withdrawn session’s token on REST and connects, and closes its open link, leaving other visitors alone', async () => {
    const widgetId = await consentWidget(server());
    const gone = await acceptAndOpen(server(), widgetId);
    const kept = await acceptAndOpen(server(), widgetId);
    const goneLink = await connectWs({ baseUrl: server().baseUrl, token: gone.token, origin: ORIGIN });
    const keptLink = await connectWs({ baseUrl: server().baseUrl, token: kept.token, origin: ORIGIN });
    expect((await messagesOf(server(), gone.conversationId, gone.token)).status).toBe(200);

    const withdrawn = await server().json('POST', `/v1/conversations/${gone.conversationId}/consent/withdraw`, {}, gone.token, headers);
    expect(withdrawn.status).toBe(204);

    expect(await goneLink.log.waitForClose()).toMatchObject({ code: 4003, reason: 'consent withdrawn' });
    const refused = await messagesOf(server(), gone.conversationId, gone.token);
    expect(refused.status).toBe(401);
    expect(refused.body['error']).toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
    expect(String((refused.body['error'] as Record<string, unknown>)['message'])).toContain('withdrew');
    // A second withdrawal with the ended token is refused too: the session is over.
    expect((await server().json('POST', `/v1/conversations/${gone.conversationId}/consent/withdraw`, {}, gone.token, headers)).status).toBe(
      401,
    );
    await expectConnectRefused(server(), gone.token);

    // The conversation itself stays (withdrawing is not erasing), and so does the other visitor's session.
    const conversation = await server()
      .services.database.db.selectFrom('conversations')
      .select('id')
      .where('id', '=', gone.conversationId)
      .executeTakeFirst();
    expect(conversation?.id).toBe(gone.conversationId);
    expect(keptLink.log.closeInfo).toBeUndefined();
    expect((await messagesOf(server(), kept.conversationId, kept.token)).status).toBe(200);
    await keptLink.close();
  });

  it('refuses every token of the conversation issued before the withdrawal, and admits a new acceptance that resumes it', async () => {
    const widgetId = await consentWidget(server());
    const secret = String((await server().json('GET', `/v1/widgets/${widgetId}/identity-secret`)).body['identitySecret']);
    const userId = 'user-42';
    const identity = { userId, userHash: createHmac('sha256', secret).update(userId).digest('hex') };
    // One person on two devices: two acceptances, one conversation (the identity resumes it).
    const laptop = await acceptAndOpen(server(), widgetId, identity);
    const phone = await acceptAndOpen(server(), widgetId, identity);
    expect(phone.conversationId).toBe(laptop.conversationId);
    // A token of the conversation that carries no consent record (issued before tokens carried one).
    const older = await new SessionTokens(TEST_SECRET).issue(
      { sub: laptop.conversationId, wid: widgetId, cid: null },
      new Date(Date.now() + 3_600_000),
    );
    const phoneLink = await connectWs({ baseUrl: server().baseUrl, token: phone.token, origin: ORIGIN });

    expect(
      (await server().json('POST', `/v1/conversations/${laptop.conversationId}/consent/withdraw`, {}, laptop.token, headers)).status,
    ).toBe(204);
    expect(await phoneLink.log.waitForClose()).toMatchObject({ code: 4003, reason: 'consent withdrawn' });
    for (const token of [laptop.token, phone.token, older]) {
      expect((await messagesOf(server(), laptop.conversationId, token)).status).toBe(401);
    }
    await expectConnectRefused(server(), phone.token);

    // Accepting again is a new record: its session resumes the conversation, and its token works.
    const back = await acceptAndOpen(server(), widgetId, identity);
    expect(back.conversationId).toBe(laptop.conversationId);
    expect((await messagesOf(server(), back.conversationId, back.token)).status).toBe(200);
    const backLink = await connectWs({ baseUrl: server().baseUrl, token: back.token, origin: ORIGIN });
    expect(backLink.log.closeInfo).toBeUndefined();
    await backLink.close();
  });

  it('gives a resumed session’s token the consent claim, so a withdrawal refuses it by its record, not its issue time', async () => {
    const widgetId = await consentWidget(server());
    const secret = String((await server().json('GET', `/v1/widgets/${widgetId}/identity-secret`)).body['identitySecret']);
    const userId = 'user-7';
    const identity = { userId, userHash: createHmac('sha256', secret).update(userId).digest('hex') };
    const laptop = await acceptAndOpen(server(), widgetId, identity);
    const phone = await acceptAndOpen(server(), widgetId, identity);
    expect(phone.conversationId).toBe(laptop.conversationId);
    const tokens = new SessionTokens(TEST_SECRET);
    const { sessions } = server().services;
    // Resumed for the asking token's acceptance; and for an asking token without one, the conversation's current one
    // (the phone's, the latest tied to it).
    const resumed = await sessions.resume(widgetId, laptop.conversationId, laptop.consentId);
    const resumedBare = await sessions.resume(widgetId, laptop.conversationId, null);
    expect((await tokens.verify(resumed.token)).consentId).toBe(laptop.consentId);
    expect((await tokens.verify(resumedBare.token)).consentId).toBe(phone.consentId);
    expect((await messagesOf(server(), laptop.conversationId, resumed.token)).status).toBe(200);
    const resumedLink = await connectWs({ baseUrl: server().baseUrl, token: resumed.token, origin: ORIGIN });

    expect(
      (await server().json('POST', `/v1/conversations/${laptop.conversationId}/consent/withdraw`, {}, phone.token, headers)).status,
    ).toBe(204);
    expect(await resumedLink.log.waitForClose()).toMatchObject({ code: 4003, reason: 'consent withdrawn' });
    for (const token of [resumed.token, resumedBare.token]) {
      expect((await messagesOf(server(), laptop.conversationId, token)).status).toBe(401);
      await expectConnectRefused(server(), token);
    }
    // Issued after the withdrawal (a later second than its stamp), a token of that acceptance is still refused: the
    // issued-before rule alone would have let it through.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await sessions.resume(widgetId, laptop.conversationId, laptop.consentId);
    const lateRefused = await messagesOf(server(), laptop.conversationId, late.token);
    expect(lateRefused.status).toBe(401);
    expect(lateRefused.body['error']).toMatchObject({ code: 'PARLEY_ERR_AUTH_TOKEN_INVALID' });
  });

  it('keeps the browser’s acceptance when the visitor deletes their conversation or data: deleting is not withdrawing', async () => {
    const widgetId = await consentWidget(server(), true);
    for (const path of ['', '/visitor-data']) {
      const first = await acceptAndOpen(server(), widgetId);
      const deleted = await server().json('DELETE', `/v1/conversations/${first.conversationId}${path}`, undefined, first.token, headers);
      expect(deleted.status, path).toBe(204);
      // The conversation is gone, its token with it; the acceptance the browser keeps still opens the next session.
      expect((await messagesOf(server(), first.conversationId, first.token)).status).toBe(401);
      const next = await server().json('POST', `/v1/widgets/${widgetId}/sessions`, { consentId: first.consentId }, null, headers);
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      const record = await server()
        .services.database.db.selectFrom('consent_records')
        .selectAll()
        .where('id', '=', first.consentId)
        .executeTakeFirstOrThrow();
      expect(record).toMatchObject({ withdrawn_at: null, conversation_id: next.body['conversationId'] });
    }
  });
});
