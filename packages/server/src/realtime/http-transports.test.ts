import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_FRAME_BURST } from '@parley/protocol';
import { openVisitor, startRealtimeServer, type RealtimeServer } from './testing/realtime-server.js';

describe('SSE and poll specifics [sqlite]', () => {
  let server: RealtimeServer;
  beforeAll(async () => {
    server = await startRealtimeServer('sqlite');
  });
  afterAll(() => server.close());

  async function conversationWith(texts: readonly string[]): Promise<{ token: string; seqs: number[] }> {
    const session = await openVisitor(server);
    for (const [i, text] of texts.entries()) {
      await server.json(
        'POST',
        `/v1/conversations/${session.conversationId}/messages`,
        { text, clientId: `http-${i}-0000` },
        session.token,
      );
    }
    await server.services.botTurns.idle();
    const seqs = (await server.services.engine.messagesAfter(session.conversationId, 0)).map((m) => m.seq);
    return { token: session.token, seqs };
  }

  it('streams SSE unbuffered, with id: <seq> on message events, resuming after Last-Event-ID', async () => {
    const { token, seqs } = await conversationWith(['a', 'b']);
    const abort = new AbortController();
    const response = await fetch(`${server.baseUrl}/v1/realtime/sse?token=${token}`, {
      headers: { 'last-event-id': String(seqs[1]) },
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(`id: ${seqs.at(-1)}\n`)) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += chunk.value;
    }
    abort.abort();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual(seqs.slice(2));
    expect(text).toContain('"type":"welcome"');
  });

  it('rate-limits HTTP sends per sender, whether the token comes as a query parameter or a header', async () => {
    const { conversationId, token } = await openVisitor(server);
    const post = (i: number, byHeader: boolean) =>
      fetch(`${server.baseUrl}/v1/realtime/poll/send${byHeader ? '' : `?token=${token}`}`, {
        method: 'POST',
        headers: byHeader ? { authorization: `Bearer ${token}` } : {},
        body: JSON.stringify({ type: 'ping' }),
      });
    const statuses: number[] = [];
    // The clock stands still (the server runs in this process), so no token refills on a slow machine.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let i = 0; i < CLIENT_FRAME_BURST + 5; i++) statuses.push((await post(i, i % 2 === 0)).status);
    } finally {
      vi.useRealTimers();
    }
    expect(statuses).toEqual([...Array<number>(CLIENT_FRAME_BURST).fill(200), ...Array<number>(5).fill(429)]);
    // Another visitor is not affected by this one's flood.
    const other = await openVisitor(server);
    const answer = await fetch(`${server.baseUrl}/v1/realtime/poll/send?token=${other.token}`, {
      method: 'POST',
      body: JSON.stringify({ type: 'ping' }),
    });
    expect(answer.status).toBe(200);
    expect(conversationId).not.toBe(other.conversationId);
  });

  it('answers a poll with only the welcome when nothing happens before wait ends', async () => {
    const { token, seqs } = await conversationWith([]);
    const started = Date.now();
    const response = await fetch(`${server.baseUrl}/v1/realtime/poll?token=${token}&since=${seqs.at(-1) ?? 0}&wait=150`);
    const body: unknown = await response.json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(body).toMatchObject({ frames: [{ type: 'welcome' }] });
    expect(body).not.toMatchObject({ frames: [{}, {}] });
  });

  it('answers HTTP sends with the frame a socket would get', async () => {
    const { token } = await conversationWith([]);
    const post = (body: string) =>
      fetch(`${server.baseUrl}/v1/realtime/poll/send?token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const ack = await post(JSON.stringify({ type: 'send', clientId: 'http-send-01', text: 'hi' }));
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ type: 'ack', clientId: 'http-send-01', duplicate: false });
    const bad = await post('{nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', code: 'PARLEY_ERR_FRAME_INVALID_JSON' });
    const typing = await post(JSON.stringify({ type: 'typing', active: true }));
    expect(typing.status).toBe(204);
    const unauthorized = await fetch(`${server.baseUrl}/v1/realtime/poll/send?token=nope`, { method: 'POST', body: '{"type":"ping"}' });
    expect(unauthorized.status).toBe(401);
  });
});
