import { expect, it } from 'vitest';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const ORIGIN = 'https://shop.example';
const headers = { origin: ORIGIN };

async function consentWidget(server: TestServer, version = '2024-05'): Promise<string> {
  const { widgetId } = await createBotAndWidget(server, { origin: [ORIGIN], privacy: { consent: true, consentVersion: version } });
  return widgetId;
}

async function accept(server: TestServer, widgetId: string, version: string) {
  return server.request('POST', `/v1/widgets/${widgetId}/consent`, { auth: 'none', headers, body: { version, accepted: true } });
}

async function records(server: TestServer) {
  return server.services.database.db.selectFrom('consent_records').selectAll().orderBy('accepted_at').execute();
}

describeEachStore('consent gate (issue 18)', (server) => {
  it('refuses a session without an accepted consent, and admits one with it, tying the record to the conversation', async () => {
    const widgetId = await consentWidget(server());
    const refused = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', headers, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('PARLEY_ERR_CONSENT_REQUIRED');
    expect(refused.json.error.field).toBe('consentId');
    // Nothing was created for the refused request.
    expect(
      await server().services.database.db.selectFrom('conversations').select('id').where('widget_id', '=', widgetId).execute(),
    ).toEqual([]);
    const unknown = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, {
      auth: 'none',
      headers,
      body: { consentId: 'cns_nope' },
    });
    expect(unknown.json.error.code).toBe('PARLEY_ERR_CONSENT_REQUIRED');

    const accepted = await accept(server(), widgetId, '2024-05');
    expect(accepted.status).toBe(201);
    expect(accepted.headers['access-control-allow-origin']).toBe(ORIGIN);
    const { consentId } = accepted.json;
    expect(consentId).toMatch(/^cns_/);
    const [before] = (await records(server())).filter((row) => row.id === consentId);
    expect(before).toMatchObject({ widget_id: widgetId, version: '2024-05', conversation_id: null, withdrawn_at: null });
    // Only what the record needs: no address, no browser.
    expect(Object.keys(before ?? {}).sort()).toEqual(['accepted_at', 'conversation_id', 'id', 'version', 'widget_id', 'withdrawn_at']);

    const session = await openSession(server(), widgetId, { consentId }, headers);
    const [after] = (await records(server())).filter((row) => row.id === consentId);
    expect(after?.conversation_id).toBe(session.conversationId);
  });

  it('refuses an acceptance of another version, of another widget, and on a widget that does not ask', async () => {
    const widgetId = await consentWidget(server(), 'v3');
    const stale = await accept(server(), widgetId, 'v2');
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('PARLEY_ERR_CONSENT_VERSION');
    const refusal = await server().request('POST', `/v1/widgets/${widgetId}/consent`, {
      auth: 'none',
      headers,
      body: { version: 'v3', accepted: false },
    });
    expect(refusal.status).toBe(400);

    const other = await consentWidget(server(), 'v3');
    const elsewhere = (await accept(server(), other, 'v3')).json.consentId;
    const crossed = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, {
      auth: 'none',
      headers,
      body: { consentId: elsewhere },
    });
    expect(crossed.json.error.code).toBe('PARLEY_ERR_CONSENT_REQUIRED');

    const { widgetId: plain } = await createBotAndWidget(server());
    const notAsked = await server().request('POST', `/v1/widgets/${plain}/consent`, {
      auth: 'none',
      body: { version: '1', accepted: true },
    });
    expect(notAsked.status).toBe(409);
    expect(notAsked.json.error.code).toBe('PARLEY_ERR_CONSENT_NOT_ASKED');
    // A widget that does not ask opens sessions as before.
    await openSession(server(), plain);
  });

  it('asks again for a new consent version: an acceptance of the old one no longer opens a session', async () => {
    const widgetId = await consentWidget(server(), 'v1');
    const { consentId } = (await accept(server(), widgetId, 'v1')).json;
    await openSession(server(), widgetId, { consentId }, headers);
    const patched = await server().request('PATCH', `/v1/widgets/${widgetId}`, {
      body: { privacy: { consent: true, consentVersion: 'v2' } },
    });
    expect(patched.status).toBe(200);
    const old = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', headers, body: { consentId } });
    expect(old.status).toBe(403);
    expect(old.json.error.message).toContain('"v2"');
    const fresh = (await accept(server(), widgetId, 'v2')).json.consentId;
    await openSession(server(), widgetId, { consentId: fresh }, headers);
  });

  it('withdraws the conversation’s consent with its session token; a withdrawn acceptance opens no session', async () => {
    const widgetId = await consentWidget(server());
    const { consentId } = (await accept(server(), widgetId, '2024-05')).json;
    const session = await openSession(server(), widgetId, { consentId }, headers);
    const other = await openSession(
      server(),
      widgetId,
      { consentId: (await accept(server(), widgetId, '2024-05')).json.consentId },
      headers,
    );

    const anonymous = await server().request('POST', `/v1/conversations/${session.conversationId}/consent/withdraw`, { auth: 'none' });
    expect(anonymous.status).toBe(401);
    const wrong = await server().request('POST', `/v1/conversations/${session.conversationId}/consent/withdraw`, { auth: other.token });
    expect(wrong.status).toBe(403);

    const withdrawn = await server().request('POST', `/v1/conversations/${session.conversationId}/consent/withdraw`, {
      auth: session.token,
      headers,
    });
    expect(withdrawn.status).toBe(204);
    const rows = await records(server());
    expect(rows.find((row) => row.id === consentId)?.withdrawn_at).not.toBeNull();
    // The other visitor's acceptance is untouched.
    expect(rows.find((row) => row.conversation_id === other.conversationId)?.withdrawn_at).toBeNull();
    const again = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', headers, body: { consentId } });
    expect(again.json.error.code).toBe('PARLEY_ERR_CONSENT_REQUIRED');
    expect(again.json.error.message).toContain('withdrawn');
  });
});
