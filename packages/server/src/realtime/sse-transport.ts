import type { FastifyPluginAsync } from 'fastify';
import { HEARTBEAT_MS, type ServerFrame } from '@parley/protocol';
import type { Gateway } from './gateway.js';
import { registerHttpSend } from './http-send.js';
import { wholeNumber } from './whole-number.js';

/**
 * Server-Sent Events adapter: one `data:` event per frame (`message` and `messages` frames carry `id: <seq>` so the
 * browser's automatic reconnect resumes with Last-Event-ID), a `ping` frame as heartbeat, and sends
 * by POST. The session's close code travels as a final `close` frame, as SSE has none of its own.
 */
export const sseTransport: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  app.get('/v1/realtime/sse', { schema: { hide: true } }, async (request, reply) => {
    const { principal, query } = await gateway.authenticate(request);
    const lastSeq = Math.max(seqOf(request.headers['last-event-id']), seqOf(query.get('lastSeq') ?? undefined));
    const origin = request.headers.origin;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and friends buffer responses by default, which would hold events back.
      'x-accel-buffering': 'no',
      // Hijacked replies skip @fastify/cors; authenticate() has already checked this origin against the widget.
      ...(origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' }),
    });
    // No padding to push the first bytes through a buffering proxy: it would get `welcome` through one that
    // buffers in chunks and hide the buffering until the watchdog; without it the client falls back at once.
    res.write(': parley\n\n');
    const heartbeat = setInterval(() => res.write(PING), gateway.options.session.heartbeatMs ?? HEARTBEAT_MS);
    heartbeat.unref();
    const session = gateway.open(principal, {
      write: (json, frame) => {
        res.write(frame.seq > 0 ? `id: ${frame.seq}\ndata: ${json}\n\n` : `data: ${json}\n\n`);
      },
      pendingBytes: () => res.writableLength,
      close: (code, reason) => {
        clearInterval(heartbeat);
        if (res.writableEnded) return;
        res.end(`data: ${JSON.stringify({ type: 'close', code, reason })}\n\n`);
      },
    });
    res.on('close', () => {
      clearInterval(heartbeat);
      session.close(1000, 'client closed');
    });
    await session.hello(lastSeq, query.get('batch') === '1').catch((error: unknown) => session.fail(error));
  });

  await app.register(async (scope) => registerHttpSend(scope, gateway, '/v1/realtime/sse/send'));
};

/**
 * The heartbeat is a data frame, not a comment line: EventSource never shows comments, and the client's
 * watchdog must see it to tell a live stream from one that a buffering proxy holds back.
 */
const PING = `data: ${JSON.stringify({ type: 'ping' } satisfies ServerFrame)}\n\n`;

function seqOf(value: string | string[] | undefined): number {
  return wholeNumber(Array.isArray(value) ? value[0] : value) ?? 0;
}
