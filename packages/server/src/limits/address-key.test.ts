import type { Challenge } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solve } from '../challenge/testing/solve.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { addressKey } from './address-key.js';

describe('addressKey', () => {
  it('keeps IPv4 as it is, unmaps an IPv4-mapped IPv6 address, and counts IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::a')).toBe('2001:db8:1:3::/64');
    // Not an address (a test's made-up name): counted as itself.
    expect(addressKey('not-an-ip')).toBe('not-an-ip');
  });
});

/**
 * Every per-address limit keys on the same rule. Behind a trusted proxy (loopback: app.inject's peer), each
 * request says its client address in X-Forwarded-For.
 */
describe('per-address limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      'sqlite',
      {},
      { PARLEY_TRUST_PROXY: 'loopback', PARLEY_LIMIT_SESSIONS_PER_ADDRESS: '3/1m', PARLEY_LIMIT_N8N_PER_ADDRESS: '2/1m' },
    );
  });
  afterAll(() => server.close());

  async function widget(challenge: { threshold: number; withoutPageLoad: number }): Promise<string> {
    const bot = await server.request('POST', '/v1/bots', {
      body: { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hm?' } },
    });
    const created = await server.request('POST', '/v1/widgets', { body: { name: 'Shop', botId: bot.json.id, challenge } });
    await server.services.setup.idle();
    return String(created.json.id);
  }

  const from = (address: string) => ({ 'x-forwarded-for': address });
  const createSession = (widgetId: string, address: string, body: object = {}) =>
    server.request('POST', `/v1/widgets/${widgetId}/sessions`, { body, auth: 'none', headers: from(address) });

  it('counts two IPv6 addresses of one /64 as one address for new sessions, and another /64 apart', async () => {
    const widgetId = await widget({ threshold: 1000, withoutPageLoad: 1000 });
    expect((await createSession(widgetId, '2001:db8:5:6::1')).status).toBe(201);
    expect((await createSession(widgetId, '2001:db8:5:6::2')).status).toBe(201);
    expect((await createSession(widgetId, '2001:db8:5:6:abcd::3')).status).toBe(201);
    expect((await createSession(widgetId, '2001:db8:5:6::4')).status).toBe(429);
    expect((await createSession(widgetId, '2001:db8:5:7::1')).status).toBe(201);
  });

  it('counts failed console logins and n8n requests of one /64 together', async () => {
    // Ten failed logins in a minute per address; each with its own email, so only the address counts.
    for (let i = 0; i < 10; i += 1) {
      const login = await server.request('POST', '/v1/auth/login', {
        body: { email: `guess${i}@example.com`, password: 'wrong password' },
        auth: 'none',
        headers: from(`2001:db8:9:9::${i + 1}`),
      });
      expect(login.status).toBe(401);
    }
    const refused = await server.request('POST', '/v1/auth/login', {
      body: { email: 'another@example.com', password: 'wrong password' },
      auth: 'none',
      headers: from('2001:db8:9:9:ffff::1'),
    });
    expect(refused.status).toBe(429);
    // The n8n endpoint counts before it reads the body: an empty one is enough to count.
    const n8n = (address: string) => server.request('POST', '/v1/widgets/wgt_none/n8n', { body: {}, auth: 'none', headers: from(address) });
    expect((await n8n('2001:db8:a:b::1')).status).not.toBe(429);
    expect((await n8n('2001:db8:a:b::2')).status).not.toBe(429);
    expect((await n8n('2001:db8:a:b::3')).status).toBe(429);
    expect((await n8n('2001:db8:a:c::1')).status).not.toBe(429);
  });

  it('counts a session asked for a challenge (428) and sent again with its solution once against the address limit', async () => {
    // Every session past the first from an address asks for proof of work.
    const widgetId = await widget({ threshold: 1, withoutPageLoad: 1000 });
    const address = '198.51.100.80';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const asked = await createSession(widgetId, address);
      statuses.push(asked.status);
      if (asked.status !== 428) continue;
      const challenge = asked.json.error.challenge as Challenge;
      statuses.push((await createSession(widgetId, address, { challenge: solve(challenge) })).status);
    }
    // Three sessions opened (the limit): each 428 took back its count, so only the fourth try is refused.
    expect(statuses).toEqual([201, 428, 201, 428, 201, 429]);
  });
});
