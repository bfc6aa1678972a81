import { request, createServer, type IncomingMessage } from 'node:http';

/** What nginx (`proxy_buffering on`), antivirus and corporate proxies hold back of a streamed response at a time. */
export const PROXY_BUFFER_BYTES = 8_192;

export interface SseBufferingProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy of the test's own that does to Server-Sent Events what a buffering proxy does: it passes
 * the response headers at once but the body of `text/event-stream` responses only in whole 8 KB chunks
 * (the rest when the stream ends), whatever `X-Accel-Buffering` says. Other requests and POSTs pass
 * through untouched. WebSocket upgrades are refused, as by a proxy that does not support them.
 */
export async function startSseBufferingProxy(target: { readonly host: string; readonly port: number }): Promise<SseBufferingProxy> {
  const server = createServer((req, res) => {
    const upstream = request({ ...target, method: req.method, path: req.url, headers: req.headers }, (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) return void answer.pipe(res);
      res.flushHeaders();
      let held = Buffer.alloc(0);
      answer.on('data', (chunk: Buffer) => {
        held = Buffer.concat([held, chunk]);
        const whole = held.length - (held.length % PROXY_BUFFER_BYTES);
        if (whole === 0) return;
        res.write(held.subarray(0, whole));
        held = held.subarray(whole);
      });
      answer.on('end', () => res.end(held));
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
