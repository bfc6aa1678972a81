import { expect, it } from 'vitest';
import { createAgent, login } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, TEST_ADMIN_KEY, type TestServer } from '../testing/test-server.js';

const unique = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 12)}`;

/** The app's own logger (its redaction and serializers), at its most verbose level, written to memory. */
async function loggedServer(dialect: 'sqlite' | 'postgres'): Promise<TestServer & { lines: string[] }> {
  const lines: string[] = [];
  const server = await startTestServer(
    dialect,
    { logger: undefined, logStream: { write: (line: string) => void lines.push(line) }, retention: false },
    { PARLEY_LOG_LEVEL: 'trace' },
  );
  return Object.assign(server, { lines });
}

describeEachDialect('the log', loggedServer, (server) => {
  it('never holds message text, emails, passwords or tokens, whatever the requests carried', async () => {
    const s = server();
    const secrets: string[] = [TEST_ADMIN_KEY];
    const email = `${unique('visitor')}@example.com`;
    const name = unique('Visitor Name');
    const { widgetId } = await createBotAndWidget(s);
    const session = await openSession(s, widgetId, { contact: { email, name }, meta: { pageUrl: 'https://shop.example.com/cart' } });
    secrets.push(email, name, session.token);

    const visitorText = unique('my card number is');
    const sent = await s.request('POST', `/v1/conversations/${session.conversationId}/messages`, {
      auth: session.token,
      body: { text: visitorText, clientId: unique('c') },
    });
    expect(sent.status).toBe(201);
    secrets.push(visitorText);
    await s.services.botTurns.idle();

    // An agent logs in (and once with a wrong password), replies and notes, edits the contact.
    const agent = await createAgent(s, { name: unique('Agent') });
    secrets.push(agent.email, agent.password, agent.token, agent.cookie.split('=')[1] ?? agent.cookie);
    const wrongPassword = unique('wrong-password');
    expect(
      (await s.request('POST', '/v1/auth/login', { auth: 'none', body: { email: agent.email, password: wrongPassword } })).status,
    ).toBe(401);
    secrets.push(wrongPassword);
    const again = await login(s, agent.email, agent.password);
    secrets.push(again.token);
    const reply = unique('agent reply text');
    const note = unique('private note text');
    expect(
      (await s.request('POST', `/v1/inbox/${session.conversationId}/messages`, { auth: agent.token, body: { text: reply } })).status,
    ).toBe(201);
    expect((await s.request('POST', `/v1/inbox/${session.conversationId}/notes`, { auth: agent.token, body: { text: note } })).status).toBe(
      201,
    );
    secrets.push(reply, note);
    const { contact_id: contactId } = await s.services.database.db
      .selectFrom('conversations')
      .select('contact_id')
      .where('id', '=', session.conversationId)
      .executeTakeFirstOrThrow();
    const newEmail = `${unique('changed')}@example.com`;
    expect((await s.request('PATCH', `/v1/contacts/${contactId as string}`, { auth: agent.token, body: { email: newEmail } })).status).toBe(
      200,
    );
    secrets.push(newEmail);

    // Refused requests too: a bad body naming an email, a visitor token in a realtime-style query string, an API key.
    const refusedEmail = `${unique('refused')}@example.com`;
    expect(
      (await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { contact: { email: refusedEmail, bogus: 1 } } }))
        .status,
    ).toBe(400);
    secrets.push(refusedEmail);
    expect(
      (await s.request('GET', `/v1/conversations/${session.conversationId}/messages?token=${session.token}`, { auth: 'none' })).status,
    ).toBeGreaterThanOrEqual(200);
    // A visitor's address: only its network is logged.
    expect((await s.request('GET', `/v1/widgets/${widgetId}/config`, { auth: 'none', remoteAddress: '198.51.100.23' })).status).toBe(200);
    secrets.push('198.51.100.23');
    const key = await s.request('POST', '/v1/api-keys', { body: { name: 'CI' } });
    secrets.push(key.json.key);
    expect((await s.request('GET', '/v1/widgets', { auth: key.json.key })).status).toBe(200);
    expect((await s.request('GET', '/v1/widgets', { auth: `${key.json.key}x` })).status).toBe(401);

    const log = s.lines.join('');
    // The log was written (at trace level every request is in it), so finding nothing means something.
    expect(s.lines.length).toBeGreaterThan(20);
    expect(log).toContain('/v1/inbox/');
    expect(log).toContain('?token=<hidden>');
    expect(log).toContain('198.51.100.0/24');
    for (const secret of secrets) expect(log, `the log holds ${secret}`).not.toContain(secret);
  });
});
