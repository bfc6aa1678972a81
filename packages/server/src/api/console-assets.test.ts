import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../testing/test-server.js';

// Serving files does not touch the database, so one dialect is enough here.
describe('console assets at /console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-console-'));
  let built: TestApp;
  let missing: TestApp;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>console</title><script type="module" src="/console/assets/main-ABCDEFGH.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'main-ABCDEFGH.js'), 'console.log(1)');
    built = await buildTestApp('sqlite', { consoleDir: dir });
    missing = await buildTestApp('sqlite', { consoleDir: join(dir, 'nowhere') });
  });
  afterAll(async () => {
    await built.dispose();
    await missing.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /console with a strict CSP that allows no inline script and no eval', async () => {
    const response = await built.app.inject({ method: 'GET', url: '/console' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('answers every SPA route with index.html (history API fallback)', async () => {
    for (const url of ['/console/', '/console/inbox', '/console/inbox/cnv_123', '/console/widgets/wgt_1']) {
      const response = await built.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toContain('<title>console</title>');
    }
  });

  it('serves hashed assets as immutable with their type, and 404s unknown or escaping paths', async () => {
    const asset = await built.app.inject({ method: 'GET', url: '/console/assets/main-ABCDEFGH.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await built.app.inject({ method: 'GET', url: '/console/assets/main-OLDHASH1.js' })).statusCode).toBe(404);
    const escape = await built.app.inject({ method: 'GET', url: '/console/assets/..%2F..%2Fpackage.json' });
    expect(escape.statusCode).toBe(404);
  });

  it('answers 503 PARLEY_ERR_CONSOLE_NOT_BUILT saying to run npm run build when there is no build', async () => {
    const response = await missing.app.inject({ method: 'GET', url: '/console/inbox' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('PARLEY_ERR_CONSOLE_NOT_BUILT');
    expect(response.json().error.message).toContain('npm run build');
  });
});
