import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeFetch, type FetchPolicy, type FetchRequest } from './safe-fetch.js';
import type { Resolve } from './target-check.js';
import { OutboundError } from './outbound-error.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A local server whose routes the tests set; it counts the requests it was sent. */
async function localServer(host: string): Promise<{ server: Server; origin: string; routes: Map<string, Handler>; hits: string[] }> {
  const routes = new Map<string, Handler>();
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    const handler = routes.get(request.url ?? '');
    if (handler === undefined) response.writeHead(404).end();
    else handler(request, response);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${host}:${port}`, routes, hits };
}

const HTML: FetchRequest = { accept: 'text/html', types: new Set(['text/html', 'application/xhtml+xml']), maxBytes: 1024, truncate: true };
const IMAGE: FetchRequest = { accept: 'image/*', types: new Set(['image/png']), maxBytes: 1024, truncate: false };

describe('safeFetch', () => {
  let site: Awaited<ReturnType<typeof localServer>>;
  let other: Awaited<ReturnType<typeof localServer>>;
  const lookups: string[] = [];
  // DNS as the tests want it: site.test has a private address and the loopback one; internal.test only a private one.
  const resolve: Resolve = async (hostname) => {
    lookups.push(hostname);
    if (hostname === 'site.test')
      return [
        { address: '10.20.30.40', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    if (hostname === 'internal.test') return [{ address: '10.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  // The explicit test option: 127.0.0.1 stands in for the one public address; every other address is refused.
  const policy: FetchPolicy = {
    permits: (address) => address === '127.0.0.1',
    anyPort: true,
    resolve,
    timeoutMs: 2000,
    maxRedirects: 3,
    userAgent: 'test',
  };
  const failure = async (work: Promise<unknown>): Promise<OutboundError> => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof OutboundError)) throw new Error(`expected an OutboundError, got ${String(error)}`);
    return error;
  };
  const page = (body: string | Buffer, headers: Record<string, string> = {}): Handler => {
    return (_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
  };
  const redirect =
    (location: string): Handler =>
    (_request, response) =>
      response.writeHead(302, { location }).end();

  beforeAll(async () => {
    [site, other] = await Promise.all([localServer('127.0.0.1'), localServer('127.0.0.2')]);
  });
  afterAll(() => {
    site.server.closeAllConnections();
    site.server.close();
    other.server.close();
  });

  it('connects to the checked address of a name that also resolves to a private one, resolving it once', async () => {
    site.routes.set('/hello', page('<title>Hello</title>'));
    lookups.length = 0;
    const port = new URL(site.origin).port;
    const fetched = await safeFetch(`http://site.test:${port}/hello#part`, HTML, policy);
    expect(fetched.body.toString()).toBe('<title>Hello</title>');
    expect(fetched).toMatchObject({ mimeType: 'text/html', charset: 'utf-8' });
    expect(fetched.url.href).toBe(`http://site.test:${port}/hello`);
    expect(lookups).toEqual(['site.test']);
  });

  it('follows up to three redirects, checking each hop, and refuses a fourth', async () => {
    site.routes.set('/r1', redirect('/r2'));
    site.routes.set('/r2', redirect(`${site.origin}/r3`));
    site.routes.set('/r3', redirect('/final'));
    site.routes.set('/final', page('<title>Final</title>'));
    site.routes.set('/r0', redirect('/r1'));
    const fetched = await safeFetch(`${site.origin}/r1`, HTML, policy);
    expect(fetched.url.pathname).toBe('/final');
    const error = await failure(safeFetch(`${site.origin}/r0`, HTML, policy));
    expect(error.failure).toBe('unavailable');
    expect(error.message).toContain('redirects more than 3 times');
  });

  it('refuses a redirect into a private address and never contacts it', async () => {
    other.routes.set('/secret', page('<title>Secret</title>'));
    site.routes.set('/to-loopback', redirect(`${other.origin}/secret`));
    site.routes.set('/to-internal', redirect('http://internal.test/admin'));
    site.routes.set('/to-file', redirect('file:///etc/passwd'));
    const direct = await failure(safeFetch(`${site.origin}/to-loopback`, HTML, policy));
    expect(direct.failure).toBe('refused');
    expect((await failure(safeFetch(`${site.origin}/to-internal`, HTML, policy))).message).toContain('10.0.0.1');
    expect((await failure(safeFetch(`${site.origin}/to-file`, HTML, policy))).failure).toBe('refused');
    expect(other.hits).toEqual([]);
  });

  it('refuses links that are not http(s), carry credentials, or use another port without the option', async () => {
    for (const link of ['ftp://example.com/x', 'javascript:alert(1)', 'http://user:pw@example.com/', 'not a url']) {
      expect((await failure(safeFetch(link, HTML, policy))).failure).toBe('invalid');
    }
    const error = await failure(safeFetch('https://example.com:8443/', HTML, { ...policy, anyPort: false }));
    expect(error.message).toContain('8443');
    expect((await failure(safeFetch('http://[::1]/', HTML, policy))).failure).toBe('refused');
    expect((await failure(safeFetch('http://nowhere.test/', HTML, policy))).message).toContain('could not be resolved');
  });

  it('reads at most maxBytes of HTML and refuses a larger picture, declared or not', async () => {
    site.routes.set('/big.html', page(`<title>Big</title>${'x'.repeat(5000)}`));
    expect((await safeFetch(`${site.origin}/big.html`, HTML, policy)).body).toHaveLength(1024);
    const png = Buffer.alloc(4000, 1);
    site.routes.set('/declared.png', (_request, response) =>
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) }).end(png),
    );
    site.routes.set('/chunked.png', (_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 8; i += 1) response.write(png.subarray(i * 500, (i + 1) * 500));
      response.end();
    });
    expect((await failure(safeFetch(`${site.origin}/declared.png`, IMAGE, policy))).message).toContain('4000 bytes');
    expect((await failure(safeFetch(`${site.origin}/chunked.png`, IMAGE, policy))).message).toContain('more than 1024 bytes');
  });

  it('counts decompressed bytes, so a gzip bomb stays small', async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024));
    site.routes.set('/bomb.png', (_request, response) =>
      response.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(bomb),
    );
    site.routes.set('/zipped.html', page(gzipSync('<title>Zipped</title>'), { 'content-encoding': 'gzip' }));
    expect((await failure(safeFetch(`${site.origin}/bomb.png`, IMAGE, policy))).message).toContain('more than 1024 bytes');
    expect((await safeFetch(`${site.origin}/zipped.html`, HTML, policy)).body.toString()).toBe('<title>Zipped</title>');
  });

  it('refuses a response of another content type or an error status', async () => {
    site.routes.set('/data.json', (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    site.routes.set('/untyped', (_request, response) => response.writeHead(200).end('<title>?</title>'));
    site.routes.set('/broken', (_request, response) => response.writeHead(500, { 'content-type': 'text/html' }).end('oops'));
    expect((await failure(safeFetch(`${site.origin}/data.json`, HTML, policy))).message).toContain('application/json');
    expect((await failure(safeFetch(`${site.origin}/untyped`, HTML, policy))).message).toContain('no content type');
    expect((await failure(safeFetch(`${site.origin}/broken`, HTML, policy))).message).toContain('answered 500');
  });

  it('gives up when the page does not answer before the deadline', async () => {
    site.routes.set('/slow', () => undefined); // Never answers; the deadline must end it.
    site.routes.set('/trickle', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write('<title>Trickle'); // Headers and a first chunk, then nothing more.
    });
    const slow = await failure(safeFetch(`${site.origin}/slow`, HTML, { ...policy, timeoutMs: 200 }));
    expect(slow.message).toContain('did not answer within 200 ms');
    const trickle = await failure(safeFetch(`${site.origin}/trickle`, HTML, { ...policy, timeoutMs: 200 }));
    expect(trickle.failure).toBe('unavailable');
  });
});
