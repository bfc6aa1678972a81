import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError } from './outbound-error.js';
import { outboundPost, type OutboundPost } from './post.js';
import type { Resolve } from './target-check.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A loopback server whose routes the tests set; it records every request it was sent. */
async function loopbackServer(): Promise<{ server: Server; port: number; routes: Map<string, Handler>; hits: string[] }> {
  const routes = new Map<string, Handler>();
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method ?? ''} ${request.url ?? ''}`);
    const handler = routes.get(request.url ?? '');
    if (handler === undefined) response.writeHead(404).end();
    else handler(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, routes, hits };
}

async function failure(work: Promise<unknown>): Promise<OutboundError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OutboundError)) throw new Error(`expected an OutboundError, got ${String(error)}`);
  return error;
}

describe('outboundPost', () => {
  let local: Awaited<ReturnType<typeof loopbackServer>>;
  // bot.test stands for a name whose DNS answer is the loopback address; nothing else resolves.
  const resolve: Resolve = async (hostname) => {
    if (hostname === 'bot.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const post = (path: string, extra: Partial<OutboundPost> = {}, host = '127.0.0.1'): Promise<Response> =>
    outboundPost({
      url: `http://${host}:${local.port}${path}`,
      body: '{"text":"hi"}',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(3000),
      allowPrivateNetwork: false,
      resolve,
      ...extra,
    });

  beforeAll(async () => {
    local = await loopbackServer();
    local.routes.set('/echo', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat(chunks)));
    });
    local.routes.set('/redirect', (_request, response) =>
      response.writeHead(302, { location: `http://127.0.0.1:${local.port}/admin` }).end(),
    );
    local.routes.set('/big', (_request, response) => response.writeHead(200).end(Buffer.alloc(4096, 'x')));
  });
  afterAll(() => new Promise<void>((done) => local.server.close(() => done())));

  it('refuses a loopback address unless the resource allows private ones, before any connection', async () => {
    const before = local.hits.length;
    const refused = await failure(post('/echo'));
    expect(refused.failure).toBe('refused');
    expect(refused.message).toMatch(/127\.0\.0\.1 is not a public address/);
    expect(local.hits.length).toBe(before);
    const allowed = await post('/echo', { allowPrivateNetwork: true });
    expect(await allowed.json()).toEqual({ text: 'hi' });
  });

  it('refuses a name that resolves to a private address, and connects to the checked address when allowed', async () => {
    const before = local.hits.length;
    expect((await failure(post('/echo', {}, 'bot.test'))).message).toMatch(
      /bot\.test resolves to 127\.0\.0\.1, which is not a public address/,
    );
    expect(local.hits.length).toBe(before);
    // bot.test has no real DNS record: reaching the server proves the socket used the checked answer.
    expect((await post('/echo', { allowPrivateNetwork: true }, 'bot.test')).status).toBe(200);
  });

  it('does not lend a connection opened for a private-allowed request to one without the allowance', async () => {
    expect((await post('/echo', { allowPrivateNetwork: true }, 'bot.test')).status).toBe(200);
    const before = local.hits.length;
    // The keep-alive socket to bot.test:port is idle in the pool now; a public-only request must not get it.
    expect((await failure(post('/echo', {}, 'bot.test'))).failure).toBe('refused');
    expect(local.hits.length).toBe(before);
  });

  it('does not follow a redirect, even to an allowed address, and says so', async () => {
    const refused = await failure(post('/redirect', { allowPrivateNetwork: true }));
    expect(refused.failure).toBe('refused');
    expect(refused.message).toMatch(/answered 302 redirecting to http:\/\/127\.0\.0\.1:\d+\/admin; redirects are not followed/);
    expect(local.hits).not.toContain('GET /admin');
    expect(local.hits).not.toContain('POST /admin');
  });

  it('stops reading a body larger than maxBytes', async () => {
    const response = await post('/big', { allowPrivateNetwork: true, maxBytes: 1024 });
    const error = await response.text().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(String(error instanceof Error && error.cause instanceof Error ? error.cause.message : error)).toMatch(/more than 1024 bytes/);
  });

  it('streams the body as it arrives', async () => {
    let finish: () => void = () => undefined;
    local.routes.set('/stream', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      finish = () => response.end('data: last\n\n');
    });
    const response = await post('/stream', { allowPrivateNetwork: true });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toBe('data: first\n\n');
    finish();
    let rest = '';
    for (let chunk = await reader?.read(); chunk !== undefined && !chunk.done; chunk = await reader?.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toBe('data: last\n\n');
  });

  it('refuses URLs it cannot call: other schemes and embedded credentials', async () => {
    expect(
      (await failure(outboundPost({ url: 'file:///etc/passwd', body: '', signal: AbortSignal.timeout(1000), allowPrivateNetwork: true })))
        .failure,
    ).toBe('invalid');
    expect(
      (
        await failure(
          outboundPost({ url: 'https://user:pw@example.com/', body: '', signal: AbortSignal.timeout(1000), allowPrivateNetwork: true }),
        )
      ).failure,
    ).toBe('invalid');
  });

  it('keeps the network error code of an unreachable upstream', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((done) => closed.close(() => done()));
    const error = await outboundPost({
      url: `http://127.0.0.1:${port}/`,
      body: '',
      signal: AbortSignal.timeout(2000),
      allowPrivateNetwork: true,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
