import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test-only: a real HTTP server on 127.0.0.1 that speaks one bot protocol (its `handler`), and can be
 * told to misbehave the ways upstreams do: hang, fail with a status, answer malformed JSON or no JSON.
 */
export type FakeMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'slow' }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'not-json' }
  /** Start a protocol-correct answer (`cutBody`), then drop the connection. */
  | { readonly kind: 'cut' }
  /** Fail with `status` this many times, then behave. */
  | { readonly kind: 'flaky'; readonly status: number; readonly times: number };

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface FakeRequest extends RecordedRequest {
  readonly response: ServerResponse;
}

export type FakeHandler = (request: FakeRequest) => void | Promise<void>;

export interface FakeUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  mode: FakeMode;
  /** What `malformed` answers: valid JSON of the wrong shape for this protocol. */
  malformedBody: string;
  /** What `cut` sends before dropping the connection, and its content type. */
  cutBody: string;
  cutContentType: string;
  /** Paths that always behave (a token endpoint while the API misbehaves). */
  readonly alwaysOk: Set<string>;
  close(): Promise<void>;
}

export async function startFakeUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  const hanging = new Set<ServerResponse>();
  let failures = 0;
  const fake: FakeUpstream = {
    url: '',
    requests: [],
    mode: { kind: 'ok' },
    malformedBody: '{"unexpected":true}',
    cutBody: '',
    cutContentType: 'application/json',
    alwaysOk: new Set(),
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json: tryJson(body) };
      fake.requests.push(recorded);
      const mode = fake.alwaysOk.has((req.url ?? '').split('?')[0] ?? '') ? { kind: 'ok' as const } : fake.mode;
      switch (mode.kind) {
        case 'slow':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'status':
          res.writeHead(mode.status, { 'content-type': 'application/json' }).end(mode.body ?? '{"error":{"message":"upstream exploded"}}');
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' }).end(fake.malformedBody);
          return;
        case 'not-json':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
          return;
        case 'cut':
          res.writeHead(200, { 'content-type': fake.cutContentType });
          res.write(fake.cutBody);
          setTimeout(() => res.destroy(), 20);
          return;
        case 'flaky':
          if (failures < mode.times) {
            failures += 1;
            res.writeHead(mode.status).end('try later');
            return;
          }
      }
      Promise.resolve(handler({ ...recorded, response: res })).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A port nothing listens on (bound then released), for "connection refused". */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Writes each line with a flush and a pause between, so clients really receive it in pieces. */
export async function sendLines(res: ServerResponse, contentType: string, lines: readonly string[], pauseMs = 5): Promise<void> {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'transfer-encoding': 'chunked' });
  for (const line of lines) {
    res.write(line);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  res.end();
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Form-encoded and empty bodies are recorded as text only.
    return undefined;
  }
}
