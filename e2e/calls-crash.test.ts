import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@parley/protocol';
import { freePort, killServer, startServer, type ServerProcess } from '@parley/testkit';

// A node killed mid-call (SIGKILL: no link closes, no shutdown hook) must not leave the call open for ever: the
// restarted node ends it as peer-gone once the dead node's link lease has run out (PARLEY_CALL_LIVENESS_SECONDS,
// shortened here), records it in the transcript, and the conversation can have a new call.

interface Link {
  readonly frames: ServerFrame[];
  readonly closed: Promise<void>;
  send(frame: object): void;
  waitFor(match: (frame: ServerFrame) => boolean, what: string): Promise<ServerFrame>;
  close(): void;
}

async function open(url: string): Promise<Link> {
  const ws = new WebSocket(url);
  const frames: ServerFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as ServerFrame));
  const closed = new Promise<void>((done) => ws.once('close', () => done()));
  await new Promise((done, fail) => {
    ws.once('open', done);
    ws.once('error', fail);
  });
  ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
  return {
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    async waitFor(match, what) {
      for (let i = 0; i < 300; i++) {
        const found = frames.find(match);
        if (found !== undefined) return found;
        await sleep(50);
      }
      throw new Error(`no ${what}; frames: ${JSON.stringify(frames.map((frame) => frame.type))}`);
    },
    close: () => ws.close(),
  };
}

describe('a node killed mid-call', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-calls-crash-'));
  const servers: ServerProcess[] = [];
  const links: Link[] = [];

  afterAll(async () => {
    for (const link of links) link.close();
    await Promise.all(servers.map((server) => killServer(server, 'SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no call open: the restarted node ends it as peer-gone, in the transcript, and a new call can ring', async () => {
    const port = await freePort();
    const adminKey = `pk_calls_${randomBytes(16).toString('hex')}`;
    const env = { PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port), PARLEY_ADMIN_KEY: adminKey, PARLEY_CALL_LIVENESS_SECONDS: '1' };
    const baseUrl = `http://127.0.0.1:${port}`;
    const ws = baseUrl.replace(/^http/, 'ws');
    const api = async (method: string, path: string, body?: unknown, auth: string | null = adminKey): Promise<Record<string, unknown>> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
      return (await response.json()) as Record<string, unknown>;
    };
    servers.push(await startServer(env));

    const bot = await api('POST', '/v1/bots', { kind: 'builtin', name: 'Silent', config: {} });
    const widget = await api('POST', '/v1/widgets', { name: 'Calls crash', botId: bot['id'] });
    const session = await api('POST', `/v1/widgets/${String(widget['id'])}/sessions`, {}, null);
    const conversationId = String(session['conversationId']);
    const visitor = await open(`${ws}/v1/realtime/ws?token=${encodeURIComponent(String(session['token']))}`);
    const agentUrl = `${ws}/v1/realtime/ws?token=${adminKey}&conversationId=${conversationId}`;
    const agent = await open(agentUrl);
    links.push(visitor, agent);

    const callId = `call-crash-${randomBytes(6).toString('hex')}`;
    agent.send({ type: 'call_offer', callId, kind: 'video' });
    await visitor.waitFor((frame) => frame.type === 'call' && frame.call.state === 'ringing', 'ringing call');
    visitor.send({ type: 'call_accept', callId });
    await agent.waitFor((frame) => frame.type === 'call_connect', 'call_connect');

    await killServer(servers[0] as ServerProcess, 'SIGKILL');
    await Promise.all([visitor.closed, agent.closed]);
    servers.push(await startServer(env));

    // Within a few liveness intervals the transcript has the call's end.
    let ended: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && ended === undefined; i++) {
      // Read as the visitor (the admin key reads no conversation).
      const page = await api('GET', `/v1/conversations/${conversationId}/messages?limit=100`, undefined, String(session['token']));
      const items = page['items'] as { type: string; payload: Record<string, unknown> | null }[];
      ended = items.find((message) => message.type === 'event' && message.payload?.['id'] === callId)?.payload ?? undefined;
      if (ended === undefined) await sleep(200);
    }
    expect(ended).toMatchObject({ event: 'call', id: callId, kind: 'video', endReason: 'peer-gone', caller: { role: 'agent' } });

    // Links that come back find no open call, and the agent can call again.
    const back = await open(`${ws}/v1/realtime/ws?token=${encodeURIComponent(String(session['token']))}`);
    const again = await open(agentUrl);
    links.push(back, again);
    await back.waitFor((frame) => frame.type === 'welcome', 'welcome');
    await sleep(300);
    expect(back.frames.filter((frame) => frame.type === 'call')).toEqual([]);
    again.send({ type: 'call_offer', callId: `${callId}-2`, kind: 'audio' });
    await back.waitFor((frame) => frame.type === 'call' && frame.call.id === `${callId}-2` && frame.call.state === 'ringing', 'a new call');
  }, 120_000);
});
