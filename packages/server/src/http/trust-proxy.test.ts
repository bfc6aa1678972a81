import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { fastifyTrustProxy, parseTrustProxy, untrustedProxyNotice } from './trust-proxy.js';

describe('PARLEY_TRUST_PROXY', () => {
  it('trusts no proxy unless told', () => {
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'none' });
    expect(fastifyTrustProxy(loadConfig({}).trustProxy)).toBe(false);
    expect(parseTrustProxy('off')).toEqual({ kind: 'none' });
  });

  it('reads a list of addresses, CIDRs and named ranges, or a hop count', () => {
    expect(loadConfig({ PARLEY_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,Loopback' }).trustProxy).toEqual({
      kind: 'addresses',
      ranges: ['127.0.0.1', '10.0.0.0/8', '::1', 'loopback'],
    });
    const hops = fastifyTrustProxy(loadConfig({ PARLEY_TRUST_PROXY: '2' }).trustProxy);
    expect(typeof hops === 'function' && [hops('198.51.100.1', 0), hops('198.51.100.1', 1), hops('198.51.100.1', 2)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it.each(['true', '10.0.0.0/33', 'proxy.internal', '0.5', '11'])('refuses %j with one line naming the variable', (value) => {
    expect(() => loadConfig({ PARLEY_TRUST_PROXY: value })).toThrow(/^PARLEY_TRUST_PROXY=.* is invalid: /);
  });
});

describe('the notice for a proxy nobody named', () => {
  it('logs once, naming the setting, when X-Forwarded-For arrives and no proxy is trusted', async () => {
    const warnings: string[] = [];
    const log = { warn: (_details: object, message: string) => void warnings.push(message) };
    const notice = untrustedProxyNotice({ kind: 'none' }, log);
    await notice({ headers: {}, ip: '127.0.0.1' });
    expect(warnings).toEqual([]);
    await notice({ headers: { 'x-forwarded-for': '203.0.113.1' }, ip: '127.0.0.1' });
    await notice({ headers: { 'x-forwarded-for': '203.0.113.2' }, ip: '127.0.0.1' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('set PARLEY_TRUST_PROXY=127.0.0.1');
    const configured = untrustedProxyNotice({ kind: 'addresses', ranges: ['127.0.0.1'] }, log);
    await configured({ headers: { 'x-forwarded-for': '203.0.113.1' }, ip: '127.0.0.1' });
    expect(warnings).toHaveLength(1);
  });
});

const FORGED = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });

/** Eleven failed logins, each for another email and with another forged address, from one real peer. */
async function eleventhLogin(server: TestServer, peer: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 11; i += 1) {
    const attempt = await server.request('POST', '/v1/auth/login', {
      auth: 'none',
      body: { email: `nobody${i}-${peer}@example.com`, password: 'wrong-password' },
      headers: FORGED(i),
      remoteAddress: peer,
    });
    status = attempt.status;
  }
  return status;
}

/** Twelve n8n requests, each with another forged address, from one real peer. */
async function n8nStatuses(server: TestServer, widgetId: string, peer: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    const response = await server.request('POST', `/v1/widgets/${widgetId}/n8n`, {
      auth: 'none',
      body: { action: 'loadPreviousSession', sessionId: `forged-session-${i}` },
      headers: FORGED(i),
      remoteAddress: peer,
    });
    statuses.push(response.status);
  }
  return statuses;
}

describe('a forged X-Forwarded-For with the default configuration', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  it('does not move the login limit off the real address', async () => {
    expect(await eleventhLogin(server, '192.0.2.10')).toBe(429);
  });

  it('does not move the n8n limit off the real address', async () => {
    const { widgetId } = await createBotAndWidget(server);
    expect((await n8nStatuses(server, widgetId, '192.0.2.11')).slice(10)).toEqual([429, 429]);
  });
});

describe('X-Forwarded-For from a proxy named in PARLEY_TRUST_PROXY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', {}, { PARLEY_TRUST_PROXY: '192.0.2.0/28' });
  });
  afterAll(() => server.close());

  it('keys the login limit on the forwarded client address', async () => {
    expect(await eleventhLogin(server, '192.0.2.10')).toBe(401);
  });

  it('keys the n8n limit on the forwarded client address', async () => {
    const { widgetId } = await createBotAndWidget(server);
    expect(await n8nStatuses(server, widgetId, '192.0.2.11')).toEqual(Array(12).fill(200));
  });

  it('still believes no one outside the named proxies', async () => {
    expect(await eleventhLogin(server, '198.51.100.200')).toBe(429);
  });
});
