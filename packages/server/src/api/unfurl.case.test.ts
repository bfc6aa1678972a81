import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

async function openSession(server: TestServer, widget: Record<string, unknown> = {}) {
  const { widgetId } = await createBotAndWidget(server, widget);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} });
  return { widgetId, token: created.json.token as string };
}

function unfurl(server: TestServer, session: { widgetId: string; token: string }, url: string) {
  return server.request('GET', `/v1/widgets/${session.widgetId}/unfurl?url=${encodeURIComponent(url)}`, { auth: session.token });
}

/** The third-party site, on loopback: reachable only by the servers built with the explicit allowPrivate option. */
let site: Server;
let siteOrigin: string;
const siteHits: string[] = [];
beforeAll(async () => {
  site = createServer((request, response) => {
    siteHits.push(request.url ?? '');
    if (request.url === '/article') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(
        '<html><head><title>Fallback</title><meta property="og:title" content="Parley &amp; friends">' +
          '<meta property="og:description" content="A chat that respects visitors."><meta property="og:site_name" content="Parley Blog">' +
          '<meta property="og:image" content="/cover.png"><meta property="og:image:alt" content="Two speech bubbles"></head><body></body></html>',
      );
    }
    if (request.url === '/cover.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    response.writeHead(404, { 'content-type': 'text/html' }).end('<title>Not found</title>');
  });
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(() => site.close());

describeEachStore('link previews (public addresses only, as in production)', (server) => {
  it('needs the session token of this widget', async () => {
    const session = await openSession(server());
    const other = await openSession(server());
    expect((await unfurl(server(), { ...session, token: 'nope' }, 'https://example.com/')).json.error.code).toBe(
      'PARLEY_ERR_AUTH_TOKEN_INVALID',
    );
    const none = await server().request('GET', `/v1/widgets/${session.widgetId}/unfurl?url=https%3A%2F%2Fexample.com`, { auth: 'none' });
    expect(none.status).toBe(401);
    const crossed = await unfurl(server(), { widgetId: other.widgetId, token: session.token }, 'https://example.com/');
    expect(crossed.status).toBe(403);
    expect(crossed.json.error.code).toBe('PARLEY_ERR_AUTH_FORBIDDEN');
  });

  it('refuses when the widget has link previews off', async () => {
    const session = await openSession(server(), { unfurl: false });
    const response = await unfurl(server(), session, 'https://example.com/');
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('PARLEY_ERR_UNFURL_DISABLED');
  });

  it('refuses links that are not http(s) on the standard ports, naming the problem', async () => {
    const session = await openSession(server());
    const cases: [string, string][] = [
      ['ftp://example.com/file', 'ftp'],
      ['https://user:secret@example.com/', 'password'],
      ['https://example.com:8443/', '8443'],
      ['example.com', 'absolute URL'],
    ];
    for (const [url, named] of cases) {
      const response = await unfurl(server(), session, url);
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'PARLEY_ERR_UNFURL_URL_INVALID', field: 'url' });
      expect(response.json.error.message).toContain(named);
    }
    const missing = await server().request('GET', `/v1/widgets/${session.widgetId}/unfurl`, { auth: session.token });
    expect(missing.json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');
  });

  it('refuses private, loopback and metadata addresses without fetching them', async () => {
    const session = await openSession(server());
    for (const url of [
      'http://127.0.0.1/',
      'http://localhost/admin',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:10.0.0.1]/',
    ]) {
      const response = await unfurl(server(), session, url);
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('PARLEY_ERR_UNFURL_ADDRESS_REFUSED');
    }
  });

  it('serves only pictures whose address this server signed', async () => {
    const forged = await server().request('GET', `/v1/unfurl/image?u=${encodeURIComponent('https://example.com/a.png')}&s=forged`, {
      auth: 'none',
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error.code).toBe('PARLEY_ERR_UNFURL_IMAGE_SIGNATURE_INVALID');
    const unsigned = await server().request('GET', `/v1/unfurl/image?u=${encodeURIComponent('https://example.com/a.png')}`, {
      auth: 'none',
    });
    expect(unsigned.json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');
  });
});

describeEachStore(
  'link previews (PARLEY_UNFURL_ALLOW_PRIVATE, reaching a local site)',
  (server) => {
    it('answers the page’s preview with its picture behind a signed address on this server', async () => {
      const session = await openSession(server());
      const response = await unfurl(server(), session, `${siteOrigin}/article`);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('private, max-age=600');
      expect(response.json).toMatchObject({
        object: 'link_preview',
        url: `${siteOrigin}/article`,
        siteName: 'Parley Blog',
        title: 'Parley & friends',
        description: 'A chat that respects visitors.',
        image: { alt: 'Two speech bubbles' },
      });
      const image = new URL(response.json.image.url);
      expect(image.pathname).toBe('/v1/unfurl/image');
      expect(image.searchParams.get('u')).toBe(`${siteOrigin}/cover.png`);
      const served = await server().request('GET', `${image.pathname}${image.search}`, { auth: 'none' });
      expect(served.status).toBe(200);
      expect(served.headers['content-type']).toBe('image/png');
      expect(served.headers['cache-control']).toBe('public, max-age=86400');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      // The harness reads bodies as text: the length and the PNG signature's letters show the bytes went through unchanged.
      expect(served.headers['content-length']).toBe(String(PNG.length));
      expect(served.body.slice(1, 4)).toBe('PNG');
      const tampered = new URL(image);
      tampered.searchParams.set('u', `${siteOrigin}/other.png`);
      const refused = await server().request('GET', `${tampered.pathname}${tampered.search}`, { auth: 'none' });
      expect(refused.json.error.code).toBe('PARLEY_ERR_UNFURL_IMAGE_SIGNATURE_INVALID');
    });

    it('says why there is no preview of a page that cannot be read', async () => {
      const session = await openSession(server());
      const response = await unfurl(server(), session, `${siteOrigin}/gone`);
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('PARLEY_ERR_UNFURL_NOT_AVAILABLE');
      expect(response.json.error.message).toContain('answered 404');
    });

    it('limits new links per session, while previews already made stay free', async () => {
      const session = await openSession(server());
      await unfurl(server(), session, `${siteOrigin}/article`);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await unfurl(server(), session, `${siteOrigin}/missing-${i}`)).status);
      expect(statuses.slice(0, 9).every((status) => status === 404)).toBe(true);
      const limited = await unfurl(server(), session, `${siteOrigin}/missing-new`);
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('PARLEY_ERR_UNFURL_RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await unfurl(server(), session, `${siteOrigin}/article`)).status).toBe(200);
      expect((await unfurl(server(), session, `${siteOrigin}/missing-0`)).status).toBe(404);
      const fresh = await openSession(server());
      expect((await unfurl(server(), fresh, `${siteOrigin}/missing-new`)).status).toBe(404);
    });
  },
  { unfurl: { allowPrivate: true } },
);
