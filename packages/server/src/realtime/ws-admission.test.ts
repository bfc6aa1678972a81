import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { SessionTokens } from '../auth/session-tokens.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { Admission } from './admission.js';
import { Gateway } from './gateway.js';
import { FrameLog, parseFrame } from './testing/frame-log.js';
import { startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';
import { wsTransport, WS_PATH } from './ws-transport.js';

/** A socket with a token no server issued: a connect that is authenticated is closed with UNAUTHORIZED. */
function connect(baseUrl: string): { ws: WebSocket; log: FrameLog; opened: Promise<void> } {
  const log = new FrameLog();
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${WS_PATH}?token=not-a-session-token`);
  ws.on('error', () => undefined);
  ws.on('close', (code, reason) => log.closed(code, reason.toString()));
  ws.on('message', (data) => log.push(parseFrame(data.toString())));
  return { ws, log, opened: new Promise((resolve) => ws.once('open', () => resolve())) };
}

describe('WebSocket connects taking turns (admission) [sqlite]', () => {
  let server: RealtimeServer;
  let app: FastifyInstance;
  let baseUrl: string;
  // One step at a time, one waiting: the test holds the slot itself to fill the queue.
  const admission = new Admission({ concurrency: 1, maxQueue: 1 });

  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
    const { engine, botTurns, signals, apiKeys, widgets } = server.services;
    app = Fastify({ logger: false });
    const gateway = new Gateway({
      session: { engine, botTurns, signals, bus: new MemoryBus(), log: app.log, admission },
      auth: { tokens: new SessionTokens('ws admission test secret'), apiKeys, adminKey: null, widgets, engine },
    });
    await app.register(wsTransport, { gateway });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await server.close();
  });

  it('checks a waiting connect’s token only once it gets its turn', async () => {
    const held = admission.enter('hello')!;
    const waiting = connect(baseUrl);
    await expect.poll(() => admission.waiting).toBe(1);
    expect(waiting.log.closeInfo).toBeUndefined();
    held.leave();
    expect((await waiting.log.waitForClose()).code).toBe(CLOSE_CODES.UNAUTHORIZED.code);
    expect(admission.running).toBe(0);
  });

  it('tells a connect past the full queue when to come back, without checking its token', async () => {
    const held = admission.enter('hello')!;
    const queued = connect(baseUrl);
    await expect.poll(() => admission.waiting).toBe(1);
    const refused = connect(baseUrl);
    const frame = await refused.log.waitFor((f) => f.type === 'reconnect');
    expect(frame).toMatchObject({ type: 'reconnect', reason: 'busy' });
    expect(frame.type === 'reconnect' && frame.afterMs).toBeGreaterThan(0);
    // SERVER_RESTART, not UNAUTHORIZED: the bogus token was never looked at.
    expect((await refused.log.waitForClose()).code).toBe(CLOSE_CODES.SERVER_RESTART.code);
    held.leave();
    expect((await queued.log.waitForClose()).code).toBe(CLOSE_CODES.UNAUTHORIZED.code);
  });

  it('lets a client that gives up while its connect waits leave the queue', async () => {
    const held = admission.enter('hello')!;
    const leaving = connect(baseUrl);
    await expect.poll(() => admission.waiting).toBe(1);
    leaving.ws.terminate();
    await expect.poll(() => admission.waiting).toBe(0);
    held.leave();
    expect(admission.running).toBe(0);
  });
});
