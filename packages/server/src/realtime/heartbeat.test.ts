import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';
import { rawWs } from './testing/ws-test-client.js';

const HEARTBEAT_MS = 100;
const hello = JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 });

describe('heartbeats [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite', { realtime: { heartbeatMs: HEARTBEAT_MS } });
  });
  afterAll(() => server.close());

  it('announces the heartbeat interval in welcome', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    ws.send(hello);
    expect(await log.waitFor((f) => f.type === 'welcome')).toMatchObject({ heartbeatMs: HEARTBEAT_MS });
    ws.close();
  });

  it('drops a WebSocket peer that stops answering pings with HEARTBEAT_TIMEOUT', async () => {
    const { token } = await openVisitor(server);
    const { ws, log, pings } = await rawWs(server.baseUrl, token, undefined, { autoPong: false });
    ws.send(hello);
    await log.waitFor((f) => f.type === 'welcome');
    const closed = await log.waitForClose();
    expect(closed.code).toBe(CLOSE_CODES.HEARTBEAT_TIMEOUT.code);
    expect(pings()).toBeGreaterThanOrEqual(1);
  });

  it('keeps a WebSocket peer that answers pings open across many heartbeats', async () => {
    const { token } = await openVisitor(server);
    const { ws, log } = await rawWs(server.baseUrl, token);
    let pings = 0;
    const fivePings = new Promise<void>((resolve) =>
      ws.on('ping', () => {
        pings += 1;
        if (pings === 5) resolve();
      }),
    );
    ws.send(hello);
    await fivePings;
    expect(log.closeInfo).toBeUndefined();
    ws.send(JSON.stringify({ type: 'ping' }));
    await log.waitFor((f) => f.type === 'pong');
    ws.close();
  });

  it('writes an SSE ping frame, which EventSource shows, as heartbeat while nothing else happens', async () => {
    const { token } = await openVisitor(server);
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/v1/realtime/sse?token=${encodeURIComponent(token)}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/^data: \{"type":"ping"\}\n\n/gm) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += value;
    }
    expect(text).toContain('"type":"welcome"');
    controller.abort();
  });
});
