import type { FastifyInstance } from 'fastify';
import { CLOSE_CODES, type TokenBucket } from '@parley/protocol';
import { connectionRateLimit, errorFrame, parseClientFrame } from './client-frames.js';
import type { Gateway } from './gateway.js';
import { executeFrame } from './session.js';

const BUCKETS_MAX = 10_000;

/**
 * `POST <path>`: the upstream half of SSE and poll. The body is one client frame, exactly as it
 * would be sent on a WebSocket; the answer is the frame that answers it (`ack`, `error`, `pong`),
 * or an empty 204 when the frame has none (typing, read).
 */
export function registerHttpSend(app: FastifyInstance, gateway: Gateway, path: string): void {
  // Raw text in this plugin's scope: a malformed body gets the protocol's own error frame, not a generic 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  // Rate limited per sender, like a socket is per connection; the map is bounded so senders cannot grow it.
  const buckets = new Map<string, TokenBucket>();
  app.post(path, {
    schema: { hide: true },
    // The frame is parsed by the protocol schema, so the body arrives as text (its size is checked there).
    handler: async (request, reply) => {
      const { principal } = await gateway.authenticate(request);
      // Keyed by who sends where, not by the token's spelling: a new token or header must not reset the limit.
      const key = `${principal.conversationId}|${principal.author.role}:${principal.author.id}`;
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= BUCKETS_MAX) forgetFullBuckets(buckets);
        bucket = connectionRateLimit();
        buckets.set(key, bucket);
      }
      if (!bucket.take()) return reply.status(429).send(errorFrame('PARLEY_ERR_FRAME_RATE_LIMITED', 'Too many frames; slow down.'));
      const raw = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null);
      const parsed = parseClientFrame(raw);
      if (!parsed.ok) return reply.status(parsed.closeCode === CLOSE_CODES.FRAME_TOO_LARGE.code ? 413 : 400).send(parsed.error);
      const answer = await executeFrame(gateway.options.session, principal, parsed.frame);
      if (answer === undefined) return reply.status(204).send();
      if (answer.type === 'error' && answer.retryAfterMs !== undefined) {
        return reply
          .status(429)
          .header('retry-after', String(Math.ceil(answer.retryAfterMs / 1000)))
          .send(answer);
      }
      const status = answer.type !== 'error' ? 200 : answer.code === 'PARLEY_ERR_SEND_FAILED' ? 503 : 400;
      return reply.status(status).send(answer);
    },
  });
}

/**
 * Makes room without forgiving anyone: full buckets carry no state. Should every bucket be in use
 * (more than BUCKETS_MAX senders busy at once), the oldest half goes; they restart with a full burst.
 */
function forgetFullBuckets(buckets: Map<string, TokenBucket>): void {
  for (const [key, bucket] of buckets) if (bucket.isFull()) buckets.delete(key);
  if (buckets.size < BUCKETS_MAX) return;
  let drop = Math.ceil(buckets.size / 2);
  for (const key of buckets.keys()) {
    if (drop-- <= 0) break;
    buckets.delete(key);
  }
}
