import { expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

/** The path and query of a link's URL, as the test server is asked. */
const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** The host page the widgets of these tests are on (one test limits its widget to it). */
const SHOP = { origin: 'https://shop.example' };

/** The session the link's page hands the widget. */
function bootOf(html: string): {
  widgetId: string;
  storageKey: string;
  session: { token: string; conversationId: string; expiresAt: string };
  consent?: { id: string; version: string };
} {
  const match = /<script type="application\/json" id="parley-link">(.*?)<\/script>/s.exec(html);
  if (match?.[1] === undefined) throw new Error(`no boot data in ${html.slice(0, 300)}`);
  return JSON.parse(match[1]);
}

async function visitorLink(server: TestServer, widget: Record<string, unknown> = {}) {
  const { widgetId } = await createBotAndWidget(server, widget);
  const session = await openSession(server, widgetId, { messages: [{ type: 'user', text: 'Hello from my phone' }] }, SHOP);
  const created = await server.request('POST', `/v1/conversations/${session.conversationId}/links`, { auth: session.token, body: {} });
  expect(created.status, created.body).toBe(201);
  return { widgetId, session, link: created.json };
}

/** Another link to the same conversation, made by its visitor. */
async function visitorLinkFor(server: TestServer, session: { token: string; conversationId: string }): Promise<{ id: string }> {
  const created = await server.request('POST', `/v1/conversations/${session.conversationId}/links`, { auth: session.token, body: {} });
  expect(created.status, created.body).toBe(201);
  return created.json;
}

describeEachStore('conversation links', (server) => {
  it('lets the visitor make a link whose page opens the conversation with a session of its own, on the server’s origin', async () => {
    const { widgetId, session, link } = await visitorLink(server(), { origin: ['https://shop.example'] });
    expect(link).toMatchObject({
      object: 'conversation_link',
      conversationId: session.conversationId,
      createdBy: 'visitor',
      revokedAt: null,
    });
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const boot = bootOf(page.body);
    expect(boot).toMatchObject({ widgetId, storageKey: `link:${link.id}`, session: { conversationId: session.conversationId } });
    // The minted session reads the conversation, from the link page's origin although the widget allows only the shop.
    const origin = new URL(link.url).origin;
    const messages = await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, {
      auth: boot.session.token,
      headers: { origin },
    });
    expect(messages.status, messages.body).toBe(200);
    expect(JSON.stringify(messages.json)).toContain('Hello from my phone');
    // Elsewhere the allowlist still holds.
    const elsewhere = await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, {
      auth: boot.session.token,
      headers: { origin: 'https://evil.example' },
    });
    expect(elsewhere.status).toBe(403);
  });

  it('refuses a changed link with 403 and never reads the store for it', async () => {
    const { link } = await visitorLink(server());
    const tampered = pathOf(link.url).replace(/s=./, (m: string) => (m.endsWith('A') ? 's=B' : 's=A'));
    const page = await server().request('GET', tampered, { auth: 'none' });
    expect(page.status).toBe(403);
    expect(page.headers['x-parley-error']).toBe('PARLEY_ERR_CONVERSATION_LINK_INVALID');
    const otherId = pathOf(link.url).replace(/lnk_[0-9A-Z]{4}/, 'lnk_ZZZZ');
    expect((await server().request('GET', otherId, { auth: 'none' })).status).toBe(403);
    expect((await server().request('GET', `/c/${link.id}`, { auth: 'none' })).status).toBe(403);
  });

  it('lets an agent list and revoke links (audited): the page then says so with 410 and the minted session is refused', async () => {
    const { session, link } = await visitorLink(server());
    const agent = await createAgent(server());
    const made = await server().request('POST', `/v1/conversations/${session.conversationId}/links`, {
      auth: 'none',
      headers: { cookie: agent.cookie },
      body: { ttlSeconds: 3600 },
    });
    expect(made.status, made.body).toBe(201);
    expect(made.json).toMatchObject({ createdBy: 'agent', agentId: agent.id });
    const boot = bootOf((await server().request('GET', pathOf(link.url), { auth: 'none' })).body);

    const listed = await server().request('GET', `/v1/conversations/${session.conversationId}/links`, {
      auth: 'none',
      headers: { cookie: agent.cookie },
    });
    expect(listed.json.items.map((item: { id: string }) => item.id)).toEqual([made.json.id, link.id]);
    // A visitor's token cannot list or revoke.
    expect((await server().request('GET', `/v1/conversations/${session.conversationId}/links`, { auth: session.token })).status).toBe(401);

    const revoked = await server().request('DELETE', `/v1/conversations/${session.conversationId}/links/${link.id}`, {
      auth: 'none',
      headers: { cookie: agent.cookie },
      body: {},
    });
    expect(revoked.status, revoked.body).toBe(200);
    expect(revoked.json.revokedAt).not.toBeNull();
    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(410);
    expect(page.headers['x-parley-error']).toBe('PARLEY_ERR_CONVERSATION_LINK_REVOKED');
    const refused = await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, { auth: boot.session.token });
    expect(refused.status).toBe(401);
    // The visitor's own session is not the link's: it goes on.
    expect((await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, { auth: session.token })).status).toBe(
      200,
    );
    // The other link still opens.
    expect((await server().request('GET', pathOf(made.json.url), { auth: 'none' })).status).toBe(200);

    const entries = await server().request('GET', '/v1/audit?action=conversation.*');
    const actions = entries.json.items.map((entry: { action: string; targetId: string }) => `${entry.action} ${entry.targetId}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `conversation.link_revoked ${session.conversationId}`,
        `conversation.link_created ${session.conversationId}`,
      ]),
    );
    // Revoking again changes nothing; a link of another conversation is not this one's.
    const again = await server().request('DELETE', `/v1/conversations/${session.conversationId}/links/${link.id}`, {
      auth: 'none',
      headers: { cookie: agent.cookie },
      body: {},
    });
    expect(again.json.revokedAt).toBe(revoked.json.revokedAt);
    const other = await visitorLink(server());
    const foreign = await server().request('DELETE', `/v1/conversations/${session.conversationId}/links/${other.link.id}`, {
      auth: 'none',
      headers: { cookie: agent.cookie },
      body: {},
    });
    expect(foreign.status).toBe(404);
  });

  it('says an expired link has expired (410), and a session minted from it ends with it', async () => {
    const { session, link } = await visitorLink(server());
    const boot = bootOf((await server().request('GET', pathOf(link.url), { auth: 'none' })).body);
    // The minted session never outlives the link.
    expect(Date.parse(boot.session.expiresAt)).toBeLessThanOrEqual(Date.parse(link.expiresAt));
    await server()
      .services.database.db.updateTable('conversation_links')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', link.id)
      .execute();
    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(410);
    expect(page.headers['x-parley-error']).toBe('PARLEY_ERR_CONVERSATION_LINK_EXPIRED');
    expect(
      (await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, { auth: boot.session.token })).status,
    ).toBe(401);
  });

  it('removes a conversation’s links a month after they ended when it makes the next one; such a link’s page says expired', async () => {
    const { session, link } = await visitorLink(server());
    const recent = await visitorLinkFor(server(), session);
    const db = server().services.database.db;
    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await db.updateTable('conversation_links').set({ expires_at: longAgo }).where('id', '=', link.id).execute();
    await db.updateTable('conversation_links').set({ revoked_at: new Date().toISOString() }).where('id', '=', recent.id).execute();
    const next = await visitorLinkFor(server(), session);
    const left = await db.selectFrom('conversation_links').select('id').where('conversation_id', '=', session.conversationId).execute();
    // The one that ended a month ago is gone; the one revoked just now stays listed, with the new one.
    expect(left.map((row) => row.id).sort()).toEqual([recent.id, next.id].sort());
    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(410);
    expect(page.headers['x-parley-error']).toBe('PARLEY_ERR_CONVERSATION_LINK_EXPIRED');
  });

  it('opens nothing for a blocked visitor, and a visitor’s token makes links to its own conversation only', async () => {
    const { session, link } = await visitorLink(server());
    const other = await visitorLink(server());
    const foreign = await server().request('POST', `/v1/conversations/${other.session.conversationId}/links`, {
      auth: session.token,
      body: {},
    });
    expect(foreign.status).toBe(403);
    const blocked = await server().request('POST', `/v1/inbox/${session.conversationId}/block`, {
      body: { scope: 'visitor', duration: '1d' },
    });
    expect(blocked.status, blocked.body).toBeLessThan(300);
    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(403);
    expect(page.headers['x-parley-error']).toBe('PARLEY_ERR_VISITOR_BLOCKED');
  });

  it('carries a consent widget’s standing acceptance to the link’s page, and opens nothing once it is withdrawn', async () => {
    const { widgetId } = await createBotAndWidget(server(), {
      origin: [SHOP.origin],
      privacy: { consent: true, consentVersion: '2024-05' },
    });
    const accepted = await server().request('POST', `/v1/widgets/${widgetId}/consent`, {
      auth: 'none',
      headers: SHOP,
      body: { version: '2024-05', accepted: true },
    });
    const session = await openSession(server(), widgetId, { consentId: accepted.json.consentId }, SHOP);
    const link = (
      await server().request('POST', `/v1/conversations/${session.conversationId}/links`, { auth: session.token, headers: SHOP, body: {} })
    ).json;
    const boot = bootOf((await server().request('GET', pathOf(link.url), { auth: 'none' })).body);
    // The gate does not ask again on the other device: the acceptance (this version) comes along, and rides in the token.
    expect(boot.consent).toEqual({ id: accepted.json.consentId, version: '2024-05' });
    const origin = new URL(link.url).origin;
    const read = await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, {
      auth: boot.session.token,
      headers: { origin },
    });
    expect(read.status).toBe(200);

    const withdrawn = await server().request('POST', `/v1/conversations/${session.conversationId}/consent/withdraw`, {
      auth: session.token,
      headers: SHOP,
    });
    expect(withdrawn.status, withdrawn.body).toBeLessThan(300);
    const page = await server().request('GET', pathOf(link.url), { auth: 'none' });
    expect(page.status).toBe(403);
    // The session the page minted before is refused with the acceptance it carried.
    expect(
      (
        await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, {
          auth: boot.session.token,
          headers: { origin },
        })
      ).status,
    ).toBe(401);
  });
});
