import type { FastifyPluginAsync } from 'fastify';
import { POLL_WAIT_MAX_MS } from '@parley/protocol';
import type { Gateway } from './gateway.js';
import { registerHttpSend } from './http-send.js';
import { wholeNumber } from './whole-number.js';

/** Frames one answer may carry; the rest follow on the next poll (the client asks again with the new `since`). */
const MAX_FRAMES_PER_POLL = 1000;
/** After the first live frame, wait this long for more of the same burst (a bot's several messages). */
const COALESCE_MS = 10;

/**
 * Long-polling adapter: each GET is a short-lived session that says hello with `since` and answers
 * `{ frames }` as soon as there is something after the welcome, or when `wait` ends. Stateless
 * between requests, so any node can serve the next poll; ephemeral frames (typing) sent between two
 * polls are missed, messages and read cursors never are (they come from the database).
 */
export const pollTransport: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  app.get('/v1/realtime/poll', { schema: { hide: true } }, async (request, reply) => {
    const { principal, query } = await gateway.authenticate(request);
    const since = wholeNumber(query.get('since')) ?? 0;
    const wait = Math.min(POLL_WAIT_MAX_MS, wholeNumber(query.get('wait')) ?? POLL_WAIT_MAX_MS);
    const frames: string[] = [];
    let bytes = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let closeFrame: string | undefined;
    const session = gateway.open(principal, {
      write: (json) => {
        if (frames.length >= MAX_FRAMES_PER_POLL) return;
        frames.push(json);
        bytes += json.length;
        if (frames.length > 1) setTimeout(done, COALESCE_MS);
      },
      // The answer is built in memory; it is capped at MAX_FRAMES_PER_POLL and the session's byte limit.
      pendingBytes: () => bytes,
      close: (code, reason) => {
        closeFrame = JSON.stringify({ type: 'close', code, reason });
        done();
      },
    });
    // The response's close before our answer means the client went away (abort, network).
    let gone = false;
    reply.raw.on('close', () => {
      gone = true;
      done();
    });
    const timer = setTimeout(done, wait);
    await session.hello(since, query.get('batch') === '1').catch((error: unknown) => session.fail(error));
    // The backlog (or read cursors) already gave an answer: return it now rather than after COALESCE_MS.
    if (frames.length > 1) done();
    await finished;
    clearTimeout(timer);
    const body = closeFrame === undefined ? frames : [...frames, closeFrame];
    session.close(1000, 'poll answered');
    if (gone) {
      // Nobody to answer; left alone, the half-closed socket would keep the server from closing.
      reply.hijack();
      reply.raw.destroy();
      return reply;
    }
    // Frames are already JSON: splice them in rather than parse and serialise them again.
    return reply.type('application/json; charset=utf-8').send(`{"frames":[${body.join(',')}]}`);
  });

  await app.register(async (scope) => registerHttpSend(scope, gateway, '/v1/realtime/poll/send'));
};
