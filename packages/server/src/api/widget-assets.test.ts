import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../testing/test-server.js';

// Serving files barely touches the database, so one dialect is enough here.
describe('widget assets: /widget.js, /widget/<build>/<chunk>, /embed/:id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-'));
  // The build's directory: a hash of its files (packages/widget/build.mjs).
  const BUILD = '0123456789abcdef';
  let built: TestApp;
  let missing: TestApp;
  let widgetId: string;
  let lockedId: string;

  beforeAll(async () => {
    mkdirSync(join(dir, 'widget', BUILD), { recursive: true });
    writeFileSync(join(dir, 'widget.js'), '(()=>{})();');
    writeFileSync(join(dir, 'widget', BUILD, 'app.js'), 'export const boot=1;');
    writeFileSync(join(dir, 'widget', 'stray.js'), 'export const outside=1;');
    writeFileSync(join(dir, 'secret.js'), 'export const secret=1;');
    built = await buildTestApp('sqlite', { widgetDir: dir });
    missing = await buildTestApp('sqlite', { widgetDir: join(dir, 'nowhere') });
    const create = async (body: object) =>
      (
        await built.app.inject({
          method: 'POST',
          url: '/v1/widgets',
          headers: { authorization: 'Bearer test-admin-key-0123456789abcdefghij' },
          payload: body,
        })
      ).json().id as string;
    widgetId = await create({ name: 'open' });
    lockedId = await create({ name: 'locked', origin: ['https://shop.example.com'] });
  });
  afterAll(async () => {
    await built.dispose();
    await missing.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the loader with a short cache, an ETag that answers 304, and a JavaScript type any site may load', async () => {
    const response = await built.app.inject({ method: 'GET', url: '/widget.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/javascript');
    expect(response.headers['cache-control']).toContain('max-age=300');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.body).toBe('(()=>{})();');
    const again = await built.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': String(response.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves the files of a build directory as immutable and 404s unknown builds, names and escaping paths', async () => {
    const chunk = await built.app.inject({ method: 'GET', url: `/widget/${BUILD}/app.js` });
    expect(chunk.statusCode).toBe(200);
    expect(chunk.body).toBe('export const boot=1;');
    expect(chunk.headers['content-type']).toContain('text/javascript');
    expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(chunk.headers['access-control-allow-origin']).toBe('*');
    const again = await built.app.inject({
      method: 'GET',
      url: `/widget/${BUILD}/app.js`,
      headers: { 'if-none-match': String(chunk.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    for (const url of [
      // A build that is not (or no longer) there, as a page holding an older widget.js asks for it.
      '/widget/fedcba9876543210/app.js',
      `/widget/${BUILD}/missing.js`,
      // The hashed chunk names before build directories.
      '/widget/app-ABCDEFGH.js',
      // A file outside any build directory, the loader, the directory itself, and paths out of it.
      '/widget/stray.js',
      '/widget/widget.js',
      `/widget/${BUILD}`,
      `/widget/${BUILD}/`,
      `/widget/${BUILD}/../../secret.js`,
      `/widget/${BUILD}/..%2F..%2Fsecret.js`,
      `/widget/${BUILD}%2F..%2F..%2Fsecret.js`,
      '/widget/..%2F..%2Fpackage.json',
      `/widget/${BUILD.toUpperCase()}/app.js`,
    ]) {
      const response = await built.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe('PARLEY_ERR_ROUTE_NOT_FOUND');
    }
    const old = await built.app.inject({ method: 'GET', url: '/widget/fedcba9876543210/app.js' });
    expect(old.json().error.message).toContain('reload');
  });

  it('serves the iframe page with the widget id, the checked parent origin and a CSP without inline script', async () => {
    const response = await built.app.inject({
      method: 'GET',
      url: `/embed/${widgetId}?origin=${encodeURIComponent('https://site.example')}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`data-parley-widget="${widgetId}"`);
    expect(response.body).toContain('data-parent-origin="https://site.example"');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain('frame-ancestors *');
  });

  it('refuses an iframe parent outside the widget allowlist and limits framing to the allowlist', async () => {
    const refused = await built.app.inject({
      method: 'GET',
      url: `/embed/${lockedId}?origin=${encodeURIComponent('https://evil.example')}`,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED');
    const allowed = await built.app.inject({
      method: 'GET',
      url: `/embed/${lockedId}?origin=${encodeURIComponent('https://shop.example.com')}`,
    });
    expect(allowed.statusCode).toBe(200);
    expect(String(allowed.headers['content-security-policy'])).toContain("frame-ancestors 'self' https://shop.example.com");
  });

  it('serves the console preview page: the loader in preview mode, framed by this origin only, allowed to connect nowhere', async () => {
    const response = await built.app.inject({ method: 'GET', url: '/widget-preview' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<script src="/widget.js" data-embed="preview"></script>');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect((await missing.app.inject({ method: 'GET', url: '/widget-preview' })).statusCode).toBe(503);
  });

  it('answers 503 PARLEY_ERR_WIDGET_BUNDLE_MISSING saying to run npm run build when there is no bundle', async () => {
    for (const url of ['/widget.js', `/widget/${BUILD}/app.js`, `/embed/${widgetId}`]) {
      const response = await missing.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(503);
      expect(response.json().error.code).toBe('PARLEY_ERR_WIDGET_BUNDLE_MISSING');
      expect(response.json().error.message).toContain('npm run build');
    }
  });
});
