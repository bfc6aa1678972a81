import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import { solve } from './testing/solve.js';

const SHOP = 'https://shop.example.com';
/** A visitor's request from a public address (a loopback peer is never asked for proof of work). */
const visitor = { auth: 'none', headers: { origin: SHOP }, remoteAddress: '203.0.113.20' } as const;

async function widgetWith(server: TestServer, challenge: Record<string, unknown>): Promise<string> {
  return (await createBotAndWidget(server, { origin: [SHOP], challenge })).widgetId;
}

/** A page view from the test's address: the widget's config, as the widget loads it first. */
async function loadPage(server: TestServer, widgetId: string): Promise<void> {
  expect((await server.request('GET', `/v1/widgets/${widgetId}/config`, visitor)).status).toBe(200);
}

function createSession(server: TestServer, widgetId: string, body: Record<string, unknown> = {}) {
  return server.request('POST', `/v1/widgets/${widgetId}/sessions`, { ...visitor, body });
}

describeEachStore('proof-of-work challenge for new sessions', (server) => {
  it('serves an ALTCHA challenge for the widget, signed, expiring and bound to it, to an allowed origin only', async () => {
    const widgetId = await widgetWith(server(), {});
    const answer = await server().request('GET', `/v1/widgets/${widgetId}/challenge`, visitor);
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['access-control-allow-origin']).toBe(SHOP);
    const { algorithm, challenge, maxnumber, salt, signature } = answer.json;
    expect({ algorithm, maxnumber }).toEqual({ algorithm: 'SHA-256', maxnumber: 10_000 });
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(salt).toContain(`wid=${widgetId}`);
    expect(salt).toMatch(/expires=\d+/);
    const number = solve(answer.json).number;
    expect(
      createHash('sha256')
        .update(salt + number)
        .digest('hex'),
    ).toBe(challenge);
    const elsewhere = await server().request('GET', `/v1/widgets/${widgetId}/challenge`, {
      auth: 'none',
      headers: { origin: 'https://evil.example.net' },
    });
    expect(elsewhere.status).toBe(403);
    expect((await server().request('GET', '/v1/widgets/wgt_01JAAAAAAAAAAAAAAAAAAAAAAA/challenge', visitor)).status).toBe(404);
  });

  it('asks visitors below the threshold for nothing, then answers 428 with a challenge that, solved, opens the session', async () => {
    const widgetId = await widgetWith(server(), { threshold: 2 });
    await loadPage(server(), widgetId);
    expect((await createSession(server(), widgetId)).status).toBe(201);
    expect((await createSession(server(), widgetId)).status).toBe(201);
    const refused = await createSession(server(), widgetId, { messages: [{ type: 'user', text: 'price?' }] });
    expect(refused.status).toBe(428);
    expect(refused.json.error.code).toBe('PARLEY_ERR_CHALLENGE_REQUIRED');
    expect(refused.json.error.message).toContain('3 new sessions in ten minutes came from this address (threshold 2)');
    expect(refused.json.error.challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: 10_000 });
    const solution = solve(refused.json.error.challenge);
    const created = await createSession(server(), widgetId, { messages: [{ type: 'user', text: 'price?' }], challenge: solution });
    expect(created.status).toBe(201);
    expect(created.json.messages.map((m: { text: string }) => m.text)).toContain('It is free.');
    // Single use: the same solution again is refused, with a new challenge.
    const replay = await createSession(server(), widgetId, { challenge: solution });
    expect(replay.status).toBe(428);
    expect(replay.json.error.message).toContain('(replayed)');
    expect(replay.json.error.challenge.challenge).not.toBe(solution.challenge);
  });

  it('challenges sessions from an address that never loaded the widget after the lower withoutPageLoad threshold', async () => {
    const widgetId = await widgetWith(server(), { threshold: 50, withoutPageLoad: 1 });
    expect((await createSession(server(), widgetId)).status).toBe(201);
    const headless = await createSession(server(), widgetId);
    expect(headless.status).toBe(428);
    expect(headless.json.error.message).toContain('without loading the widget first (threshold 1)');
    await loadPage(server(), widgetId);
    expect((await createSession(server(), widgetId)).status).toBe(201);
  });

  it('never challenges a widget whose challenge is off, the site’s own server (admin key, no Origin), nor a loopback peer', async () => {
    const off = await widgetWith(server(), { enabled: false, threshold: 0, withoutPageLoad: 0 });
    for (let i = 0; i < 3; i += 1) expect((await createSession(server(), off)).status).toBe(201);
    const strict = await widgetWith(server(), { threshold: 0, withoutPageLoad: 0 });
    expect((await createSession(server(), strict)).status).toBe(428);
    const trusted = await server().request('POST', `/v1/widgets/${strict}/sessions`, { body: {}, remoteAddress: '203.0.113.20' });
    expect(trusted.status).toBe(201);
    // A loopback peer (a local proxy PARLEY_TRUST_PROXY does not name, or a script on the machine) is not asked either.
    const local = await server().request('POST', `/v1/widgets/${strict}/sessions`, { auth: 'none', headers: { origin: SHOP }, body: {} });
    expect(local.status).toBe(201);
  });

  it('refuses a malformed solution field by field, and bad challenge settings with the field named', async () => {
    const widgetId = await widgetWith(server(), {});
    const bad = await createSession(server(), widgetId, {
      challenge: { algorithm: 'SHA-1', challenge: 'x', number: 1, salt: 's', signature: 'y' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('challenge.algorithm');
    const negative = await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { challenge: { threshold: -1 } } });
    expect(negative.status).toBe(400);
    expect(negative.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'challenge.threshold' });
    const unknown = await server().request('PATCH', `/v1/widgets/${widgetId}`, { body: { challenge: { limit: 5 } } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.field).toBe('challenge.limit');
  });

  it('keeps the challenge settings off the public config', async () => {
    const widgetId = await widgetWith(server(), { threshold: 7 });
    const config = await server().request('GET', `/v1/widgets/${widgetId}/config`, visitor);
    expect(config.json).not.toHaveProperty('challenge');
  });
});
