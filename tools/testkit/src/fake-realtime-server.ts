import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HEARTBEAT_MS, MAX_CLIENT_FRAME_BYTES, REALTIME_VERSION, type ClientFrame, type Message, type ServerFrame } from '@parley/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeConversation, type Subscriber } from './fake-conversation.js';

/** What the fake does wrong on purpose; tests flip these at any time. */
export interface FakeBehaviour {
  /** Accept the TCP connection of a WebSocket upgrade and never answer, like a proxy that eats upgrades. */
  dropUpgrades: boolean;
  /**
   * `hang`: accept SSE requests and never answer; `held`: answer with the headers and never with the body (a proxy
   * that buffers event streams); `refuse`: answer 502.
   */
  sse: 'ok' | 'hang' | 'held' | 'refuse';
  ackDelayMs: number;
  /** The next N sends are stored, then the sender's link dies before the ack goes out. */
  loseAcks: number;
  /** The next N sends are not stored at all: the sender's link dies first (a crash before commit). */
  dropSends: number;
  /** The next N sends are answered PARLEY_ERR_SEND_FAILED and not stored (the store could not write: a full disk). */
  refuseSends: number;
  /** How long the backlog after welcome takes (a slow database read on resume); 0 sends it on the next tick. */
  backlogDelayMs: number;
}

export type FakeTransport = 'ws' | 'sse' | 'poll';

/**
 * A protocol-level fake of the realtime gateway for client tests, in-process on 127.0.0.1: the three
 * transports, welcome, backlog after lastSeq, acks with seq, de-dup by clientId, close codes, plus
 * scriptable faults (see `behaviour`). It stores nothing on disk and checks frames only as far as
 * a client can tell the difference.
 */
export class FakeRealtimeServer {
  readonly behaviour: FakeBehaviour = {
    dropUpgrades: false,
    sse: 'ok',
    ackDelayMs: 0,
    loseAcks: 0,
    dropSends: 0,
    refuseSends: 0,
    backlogDelayMs: 0,
  };
  readonly conversation = new FakeConversation();
  /** Every connect per transport, and every resume's lastSeq (a hello frame's or the WebSocket URL's): what tests assert on. */
  readonly connects: Record<FakeTransport, number> = { ws: 0, sse: 0, poll: 0 };
  readonly hellos: number[] = [];
  /** The clientId of every send frame received, resends included, in arrival order. */
  readonly sends: string[] = [];
  readonly tokens = new Set<string>(['visitor-token']);
  readonly forbidden = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES * 4 });
  private readonly heartbeat: ReturnType<typeof setInterval>;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => this.conversation.broadcast({ type: 'ping' }), heartbeatMs);
  }

  static async start(options: { readonly heartbeatMs?: number } = {}): Promise<FakeRealtimeServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const fake = new FakeRealtimeServer(server, `http://127.0.0.1:${port}`, options.heartbeatMs ?? HEARTBEAT_MS);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => fake.onUpgrade(req, socket, head));
    return fake;
  }

  /** A message from the other side (bot, agent), delivered to every live subscriber. */
  post(text: string): Message {
    return this.conversation.append({ text, clientId: null, role: 'agent' }).message;
  }

  /** Kills every connection abruptly (no close frame): the client sees a network failure. */
  killConnections(): void {
    this.conversation.killAll();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Closes every link with a close code: WebSocket close frames; SSE and waiting polls get a `close` frame. */
  closeAll(code: number, reason = ''): void {
    this.conversation.closeAll(code, reason);
  }

  /** Closes only the oldest live link with a close code. */
  closeOldest(code: number, reason = ''): void {
    this.conversation.closeOldest(code, reason);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.killConnections();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorize(token: string | null): 200 | 401 | 403 {
    if (token !== null && this.forbidden.has(token)) return 403;
    return token !== null && this.tokens.has(token) ? 200 : 401;
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    if (this.behaviour.dropUpgrades || url.pathname !== '/v1/realtime/ws') return; // Hold the socket, never answer.
    const lastSeq = url.searchParams.get('lastSeq');
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.onWebSocket(ws, this.authorize(url.searchParams.get('token')), lastSeq === null ? null : Number(lastSeq)),
    );
  }

  /** `lastSeq` from the URL (the welcome follows the handshake, as on the gateway), else null: the client says hello. */
  private onWebSocket(ws: WebSocket, auth: 200 | 401 | 403, lastSeq: number | null): void {
    this.connects.ws++;
    // Browsers cannot read an upgrade's HTTP status, so refusals are close codes after the upgrade.
    if (auth !== 200) return ws.close(auth === 401 ? 4001 : 4003, auth === 401 ? 'unauthorized' : 'forbidden');
    const subscriber: Subscriber = {
      // Heartbeats are WebSocket pings, as the gateway sends them: invisible to the browser API.
      send: (frame) => (frame.type === 'ping' ? ws.ping() : ws.send(JSON.stringify(frame))),
      kill: () => ws.terminate(),
      close: (code, reason) => ws.close(code, reason),
    };
    let helloed = lastSeq !== null;
    ws.on('close', () => this.conversation.unsubscribe(subscriber));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (Buffer.byteLength(text) > MAX_CLIENT_FRAME_BYTES) {
        subscriber.send({ type: 'error', code: 'PARLEY_ERR_FRAME_TOO_LARGE', message: 'frame too large' });
        return ws.close(4009, 'frame too large');
      }
      const frame = parseClientFrame(text);
      if (frame === undefined) return subscriber.send({ type: 'error', code: 'PARLEY_ERR_FRAME_INVALID', message: 'invalid frame' });
      if (frame.type === 'hello') {
        helloed = true;
        return this.welcome(subscriber, frame.lastSeq);
      }
      if (!helloed) return subscriber.send({ type: 'error', code: 'PARLEY_ERR_FRAME_HELLO_REQUIRED', message: 'send hello first' });
      void this.answer(frame, subscriber).then((answer) => answer !== undefined && subscriber.send(answer));
    });
    if (lastSeq !== null) this.welcome(subscriber, lastSeq);
  }

  /** welcome, then (as a real gateway after its database read) the backlog after lastSeq, then live frames. */
  private welcome(subscriber: Subscriber, lastSeq: number): void {
    this.hellos.push(lastSeq);
    subscriber.send({
      type: 'welcome',
      v: REALTIME_VERSION,
      conversationId: this.conversation.id,
      lastSeq: this.conversation.lastSeq,
      heartbeatMs: this.heartbeatMs,
    });
    setTimeout(() => this.conversation.subscribe(subscriber, lastSeq), this.behaviour.backlogDelayMs);
  }

  /** The outcome of one client frame: ack or error for sends (undefined when it was lost on purpose), nothing for the rest. */
  private async answer(frame: ClientFrame, sender: Subscriber): Promise<ServerFrame | undefined> {
    if (frame.type === 'ping') return { type: 'pong' };
    if (frame.type !== 'send') return undefined;
    this.sends.push(frame.clientId);
    if (this.behaviour.refuseSends > 0) {
      this.behaviour.refuseSends--;
      return { type: 'error', code: 'PARLEY_ERR_SEND_FAILED', message: 'could not store the message', clientId: frame.clientId };
    }
    if (this.behaviour.dropSends > 0) {
      this.behaviour.dropSends--;
      sender.kill();
      return undefined;
    }
    const lose = this.behaviour.loseAcks > 0;
    if (lose) this.behaviour.loseAcks--;
    const { message, duplicate } = this.conversation.append(
      { text: frame.text, clientId: frame.clientId, role: 'visitor' },
      lose ? sender : undefined,
    );
    if (lose) {
      sender.kill();
      return undefined;
    }
    if (this.behaviour.ackDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.behaviour.ackDelayMs));
    return { type: 'ack', clientId: frame.clientId, seq: message.seq, messageId: message.id, duplicate };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const auth = this.authorize(url.searchParams.get('token') ?? bearer);
    if (auth !== 200) return void res.writeHead(auth).end();
    if (req.method === 'GET' && url.pathname === '/v1/realtime/sse') return this.onSse(req, res, url);
    if (req.method === 'GET' && url.pathname === '/v1/realtime/poll') return this.onPoll(res, url);
    if (req.method === 'POST' && (url.pathname === '/v1/realtime/sse/send' || url.pathname === '/v1/realtime/poll/send')) {
      const frame = parseClientFrame(await readBody(req));
      if (frame === undefined) return json(res, 400, { type: 'error', code: 'PARLEY_ERR_FRAME_INVALID', message: 'invalid frame' });
      const sender: Subscriber = { send: () => undefined, kill: () => res.destroy(), close: () => res.destroy() };
      const answer = await this.answer(frame, sender);
      if (res.destroyed) return;
      return answer === undefined ? void res.writeHead(204).end() : json(res, 200, answer);
    }
    res.writeHead(404).end();
  }

  private onSse(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.connects.sse++;
    if (this.behaviour.sse === 'hang') return; // Never answer; the socket is killed on stop().
    if (this.behaviour.sse === 'refuse') return void res.writeHead(502).end();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    if (this.behaviour.sse === 'held') return void res.flushHeaders();
    const lastEventId = Number(req.headers['last-event-id'] ?? 0);
    const lastSeq = Math.max(Number(url.searchParams.get('lastSeq') ?? 0), Number.isFinite(lastEventId) ? lastEventId : 0);
    const subscriber: Subscriber = {
      // Heartbeats are `ping` data frames, as the gateway sends them, so the client's watchdog sees them.
      send: (frame) => res.write(`${frame.type === 'message' ? `id: ${frame.message.seq}\n` : ''}data: ${JSON.stringify(frame)}\n\n`),
      kill: () => res.destroy(),
      // SSE has no close frame of its own: the gateway names the close code in-band, then ends the stream.
      close: (code, reason) => res.end(`data: ${JSON.stringify({ type: 'close', code, reason } satisfies ServerFrame)}\n\n`),
    };
    res.on('close', () => this.conversation.unsubscribe(subscriber));
    this.welcome(subscriber, lastSeq);
  }

  private onPoll(res: ServerResponse, url: URL): void {
    this.connects.poll++;
    const since = Number(url.searchParams.get('since') ?? 0);
    const wait = Math.min(Number(url.searchParams.get('wait') ?? 0), 30_000);
    const reply = (frames: readonly ServerFrame[]): void => (res.destroyed ? undefined : json(res, 200, { frames: [welcome, ...frames] }));
    // Every poll is a short session of its own, so every answer starts with welcome.
    const welcome: ServerFrame = {
      type: 'welcome',
      v: REALTIME_VERSION,
      conversationId: this.conversation.id,
      lastSeq: this.conversation.lastSeq,
      heartbeatMs: this.heartbeatMs,
    };
    const backlog = this.conversation.after(since);
    if (backlog.length > 0 || wait <= 0) return reply(backlog);
    this.conversation.waitForNews(since, wait, reply, () => res.destroy());
  }
}

function parseClientFrame(text: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !('type' in value)) return undefined;
  if (value.type === 'hello' && 'lastSeq' in value && typeof value.lastSeq === 'number')
    return { type: 'hello', v: REALTIME_VERSION, lastSeq: value.lastSeq };
  if (
    value.type === 'send' &&
    'clientId' in value &&
    'text' in value &&
    typeof value.clientId === 'string' &&
    typeof value.text === 'string'
  ) {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(value.clientId) || value.text.trim() === '') return undefined;
    return { type: 'send', clientId: value.clientId, text: value.text };
  }
  if (value.type === 'typing' && 'active' in value && typeof value.active === 'boolean') return { type: 'typing', active: value.active };
  if (value.type === 'read' && 'seq' in value && typeof value.seq === 'number') return { type: 'read', seq: value.seq };
  if (value.type === 'ping') return { type: 'ping' };
  return undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
