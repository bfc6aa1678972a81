import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics without PARLEY_METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  it('answers a client on this machine that came straight to the socket', async () => {
    const local = await server.request('GET', '/metrics', { auth: 'none', remoteAddress: '127.0.0.1' });
    expect(local.status).toBe(200);
    expect(local.body).toContain('parley_http_request_duration_seconds');
    expect((await server.request('GET', '/metrics', { auth: 'none', remoteAddress: '::1' })).status).toBe(200);
  });

  it('refuses any other address, and a local request that came through a proxy', async () => {
    for (const attempt of [
      { remoteAddress: '203.0.113.9' },
      { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } },
      { remoteAddress: '127.0.0.1', headers: { forwarded: 'for=203.0.113.9' } },
    ]) {
      const refused = await server.request('GET', '/metrics', { auth: 'none', ...attempt });
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_METRICS_NOT_LOCAL');
      expect(refused.body).not.toContain('parley_http');
    }
  });
});

describe('GET /metrics with PARLEY_METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', {}, { PARLEY_METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.close());

  it('needs the token, from any address including this machine', async () => {
    for (const auth of ['none', 'wrong-token-0123456789abcdef', 'admin'] as const) {
      const refused = await server.request('GET', '/metrics', { auth, remoteAddress: '127.0.0.1' });
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('PARLEY_ERR_METRICS_TOKEN_INVALID');
    }
    const scraped = await server.request('GET', '/metrics', { auth: TOKEN, remoteAddress: '203.0.113.9' });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('parley_http_request_duration_seconds');
  });
});
