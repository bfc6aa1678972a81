import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_FRAME_BURST, CLOSE_CODES, MAX_CLIENT_FRAME_BYTES } from '@parley/protocol';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';
import { connectWs, rawWs } from './testing/ws-test-client.js';

const hello = JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 });

describe('hostile WebSocket clients [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite', { realtime: { helloTimeoutMs: 200 } });
  });
  afterAll(() => server.close());

  /** A well-behaved client on the same conversation, which must keep working whatever the hostile one does. */
  async function bystanderStillWorks(token: string): Promise<void> {
    const client = await connectWs({ baseUrl: server.baseUrl, token });
    const ack = await client.send({ type: 'send', clientId: `bystander-${Date.now()}`, text: 'still here' });
    expect(ack).toMatchObject({ type: 'ack', duplicate: false });
    await client.close();
  }

  it('answers non-JSON with PARLEY_ERR_FRAME_INVALID_JSON and keeps the connection', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    ws.send(hello);
    ws.send('this is {not json');
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_INVALID_JSON');
    ws.send(JSON.stringify({ type: 'ping' }));
    await log.waitFor((f) => f.type === 'pong');
    expect(log.closeInfo).toBeUndefined();
    ws.close();
    await bystanderStillWorks(token);
  });

  it('answers unknown frame types and bad shapes with PARLEY_ERR_FRAME_INVALID, naming the clientId of a bad send', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    ws.send(hello);
    ws.send(JSON.stringify({ type: 'launch-missiles' }));
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_INVALID');
    ws.send(JSON.stringify({ type: 'send', clientId: 'bad-send-0001', text: '' }));
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_INVALID' && f.clientId === 'bad-send-0001');
    ws.close();
    await bystanderStillWorks(token);
  });

  it('closes with FRAME_TOO_LARGE after an error for a frame over MAX_CLIENT_FRAME_BYTES', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    ws.send(hello);
    ws.send(JSON.stringify({ type: 'send', clientId: 'too-large-01', text: 'x'.repeat(MAX_CLIENT_FRAME_BYTES) }));
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_TOO_LARGE');
    expect((await log.waitForClose()).code).toBe(CLOSE_CODES.FRAME_TOO_LARGE.code);
    await bystanderStillWorks(token);
  });

  it('closes a flood past the rate limit with RATE_LIMITED after an error frame', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    ws.send(hello);
    for (let i = 0; i < CLIENT_FRAME_BURST * 3; i++) ws.send(JSON.stringify({ type: 'ping' }));
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_RATE_LIMITED');
    expect((await log.waitForClose()).code).toBe(CLOSE_CODES.RATE_LIMITED.code);
    await bystanderStillWorks(token);
  });

  it('closes with PROTOCOL_ERROR when no hello comes in time', async () => {
    const { token } = await openVisitor(server);
    const { log } = await rawWs(server.baseUrl, token);
    await log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_HELLO_REQUIRED');
    expect((await log.waitForClose()).code).toBe(CLOSE_CODES.PROTOCOL_ERROR.code);
  });

  it('refuses an origin outside the widget allowlist with FORBIDDEN and a bad token with UNAUTHORIZED, sending nothing else', async () => {
    const session = await openVisitor(server, { origin: ['https://shop.example'] });
    const evil = await rawWs(server.baseUrl, session.token, 'https://evil.example');
    expect(await evil.log.waitForClose()).toEqual({ code: CLOSE_CODES.FORBIDDEN.code, reason: 'PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED' });
    const forged = await rawWs(server.baseUrl, 'not-a-token', 'https://shop.example');
    expect((await forged.log.waitForClose()).code).toBe(CLOSE_CODES.UNAUTHORIZED.code);
    expect([...evil.log.frames, ...forged.log.frames]).toEqual([]);
    const allowed = await connectWs({ baseUrl: server.baseUrl, token: session.token, origin: 'https://shop.example' });
    await allowed.close();
  });
});

describe('gateway shutdown [sqlite]', () => {
  it('sends every connection a reconnect frame and closes it with SERVER_RESTART', async () => {
    const server = await startRealtimeServer('sqlite');
    try {
      const { token } = await openVisitor(server);
      const client = await connectWs({ baseUrl: server.baseUrl, token });
      await server.close();
      await client.log.waitFor((f) => f.type === 'reconnect');
      expect((await client.log.waitForClose()).code).toBe(CLOSE_CODES.SERVER_RESTART.code);
    } finally {
      await server.close();
    }
  });
});
