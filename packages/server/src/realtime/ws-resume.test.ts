import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';
import { rawWs } from './testing/ws-test-client.js';

/**
 * A WebSocket whose URL names lastSeq (what @parley/client does since the welcome came with the handshake) is welcomed
 * without a hello frame; the full conversation suite runs over it too (conversation.case.test.ts). Here: what only
 * this form has.
 */
describe('WebSocket resumed from the URL [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite', { realtime: { helloTimeoutMs: 500 } });
  });
  afterAll(() => server.close());

  async function conversationWith(texts: readonly string[]): Promise<{ token: string; conversationId: string }> {
    const visitor = await openVisitor(server);
    const author = { role: 'visitor', id: visitor.conversationId, name: 'Visitor' } as const;
    for (const text of texts) await server.services.engine.append({ conversationId: visitor.conversationId, author, type: 'text', text });
    return visitor;
  }

  it('welcomes at once and sends what follows lastSeq, as one messages frame with batch=1', async () => {
    const { token, conversationId } = await conversationWith(['one', 'two', 'three']);
    const stored = await server.services.engine.messagesAfter(conversationId, 0);
    const one = stored.find((m) => m.text === 'one')?.seq ?? 0;
    const single = await rawWs(server.baseUrl, token, undefined, { query: `&lastSeq=${one}` });
    expect(await single.log.waitFor((f) => f.type === 'welcome')).toMatchObject({ lastSeq: stored.at(-1)?.seq });
    await single.log.waitFor((f) => f.type === 'message' && f.message.text === 'three');
    expect(single.log.frames.flatMap((f) => (f.type === 'message' ? [f.message.text] : []))).toEqual(['two', 'three']);
    single.ws.close();

    const batched = await rawWs(server.baseUrl, token, undefined, { query: `&lastSeq=${one - 1}&batch=1` });
    const frame = await batched.log.waitFor((f) => f.type === 'messages');
    expect(frame.type === 'messages' && frame.messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(batched.log.frames.some((f) => f.type === 'message')).toBe(false);
    batched.ws.close();
  });

  it('answers a hello after it with PARLEY_ERR_FRAME_INVALID and keeps the connection', async () => {
    const { token } = await conversationWith(['hi']);
    const { ws, log } = await rawWs(server.baseUrl, token, undefined, { query: '&lastSeq=0' });
    await log.waitFor((f) => f.type === 'message');
    ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
    expect(await log.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'PARLEY_ERR_FRAME_INVALID' });
    ws.send(JSON.stringify({ type: 'ping' }));
    await log.waitFor((f) => f.type === 'pong');
    expect(log.frames.filter((f) => f.type === 'welcome')).toHaveLength(1);
    ws.close();
  });

  it('answers a lastSeq that is not a whole number with PARLEY_ERR_FRAME_INVALID, then waits for a hello as usual', async () => {
    const { token } = await conversationWith(['kept']);
    for (const bad of ['-1', 'abc', '1.5', '9'.repeat(16)]) {
      const { ws, log } = await rawWs(server.baseUrl, token, undefined, { query: `&lastSeq=${bad}` });
      const error = await log.waitFor((f) => f.type === 'error');
      expect(error).toMatchObject({ code: 'PARLEY_ERR_FRAME_INVALID', message: expect.stringContaining('lastSeq') });
      expect(log.frames.some((f) => f.type === 'welcome')).toBe(false);
      ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
      await log.waitFor((f) => f.type === 'message' && f.message.text === 'kept');
      ws.close();
    }
    // Without the hello, the hello timeout still ends it.
    const silent = await rawWs(server.baseUrl, token, undefined, { query: '&lastSeq=x' });
    await silent.log.waitFor((f) => f.type === 'error' && f.code === 'PARLEY_ERR_FRAME_INVALID');
    expect((await silent.log.waitForClose()).code).toBe(4002);
  });
});
