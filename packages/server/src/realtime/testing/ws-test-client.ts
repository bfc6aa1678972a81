import { WebSocket } from 'ws';
import { FrameLog, parseFrame, query, type Connect, type ConnectOptions, type TestClient } from './frame-log.js';

/** Test-only WebSocket client: hello on open (the protocol's first form), resolves at `welcome`. */
export const connectWs: Connect = (options) => openWs(options, 'hello');

/** Test-only WebSocket client that says lastSeq in the URL, as @parley/client does: no hello, resolves at `welcome`. */
export const connectWsResumed: Connect = (options) => openWs(options, 'url');

function openWs(options: ConnectOptions, resume: 'hello' | 'url'): Promise<TestClient> {
  return new Promise<TestClient>((resolve, reject) => {
    const log = new FrameLog();
    const lastSeq = options.lastSeq ?? 0;
    const url = `${options.baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws?${query(options, resume === 'url' ? { lastSeq: String(lastSeq) } : {})}`;
    const ws = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
    ws.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.on('error', reject);
    if (resume === 'hello') ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq })));
    ws.on('close', (code, reason) => log.closed(code, reason.toString()));
    ws.on('message', (data) => {
      const frame = parseFrame(data.toString());
      log.push(frame);
      if (frame.type === 'welcome') resolve(client);
    });
    const client: TestClient = {
      log,
      async send(frame) {
        const from = log.frames.length;
        ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
        if (typeof frame === 'string' || frame.type !== 'send') return undefined;
        return log.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.clientId === frame.clientId, { from });
      },
      async close() {
        if (ws.readyState === WebSocket.CLOSED) return;
        ws.close();
        await log.waitForClose();
      },
    };
  });
}

/** A raw socket for hostile tests: no hello, nothing parsed for you. `autoPong: false` plays a dead peer. */
export function rawWs(
  baseUrl: string,
  token: string,
  origin?: string,
  { autoPong = true, query: extra = '' }: { autoPong?: boolean; /** More of the URL's query, e.g. `&lastSeq=3`. */ query?: string } = {},
): Promise<{ ws: WebSocket; log: FrameLog; pings: () => number }> {
  return new Promise((resolve, reject) => {
    const log = new FrameLog();
    // Counted from the start: a ping can come in the same read as the upgrade answer, before the caller could listen.
    let pings = 0;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws?token=${encodeURIComponent(token)}${extra}`, {
      autoPong,
      ...(origin === undefined ? {} : { origin }),
    });
    ws.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.on('error', reject);
    ws.on('close', (code, reason) => log.closed(code, reason.toString()));
    ws.on('message', (data) => log.push(parseFrame(data.toString())));
    ws.on('ping', () => (pings += 1));
    ws.on('open', () => resolve({ ws, log, pings: () => pings }));
  });
}
