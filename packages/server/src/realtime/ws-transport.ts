import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { CLOSE_CODES, HEARTBEAT_MS, MAX_CLIENT_FRAME_BYTES, type ServerFrame } from '@parley/protocol';
import type { Principal } from './authenticate.js';
import { errorFrame } from './client-frames.js';
import type { Gateway } from './gateway.js';
import type { Sink } from './session.js';
import { addUpgradeRoute, refuseFailedUpgrade, refuseUpgrade as reject, upgradeAddress } from './upgrade-routes.js';
import { wholeNumber } from './whole-number.js';

export const WS_PATH = '/v1/realtime/ws';

/**
 * WebSocket adapter: authenticates the upgrade (token, widget, Origin allowlist against cross-site
 * WebSocket hijacking; a refusal is close 4001 or 4003 right after the handshake), then only moves
 * strings between the socket and the session. A URL that names `lastSeq` is welcomed right after the handshake, as
 * SSE is; without it the session waits for the client's hello frame. Heartbeat:
 * a WebSocket ping every HEARTBEAT_MS; a socket that did not answer the previous one is dropped.
 */
export const wsTransport: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  // Frames up to 4× the protocol limit reach the session, which answers with a documented error and
  // 4009; only absurd ones are cut by `ws` itself (1009) before we buffer them.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES * 4 });
  const alive = new WeakMap<WebSocket, boolean>();

  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        socket.close(CLOSE_CODES.HEARTBEAT_TIMEOUT.code, 'heartbeat timeout');
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, gateway.options.session.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  const shared = {
    onPong(this: WebSocket): void {
      alive.set(this, true);
    },
    onError: (error: Error): void => app.log.debug({ err: error }, 'websocket error'),
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (gateway.isDraining) return reject(socket, 503);
    // Its token is checked in turn with the other connects and hellos (a reconnect storm); with the queue full, not
    // at all: no read is done for it, it is only told when to come back.
    const turn = gateway.admission.enter('connect');
    if (turn === undefined) return wss.handleUpgrade(request, socket, head, (ws) => comeBackLater(ws, gateway, shared.onError));
    // A client that gives up while it waits (its open timeout) leaves the queue. The socket is read meanwhile, or its
    // peer's FIN would go unseen until its turn; nothing is lost: a client sends nothing before the handshake's answer.
    // (Upgrade sockets are half-open: the peer's FIN is an 'end', not a 'close'.)
    socket.once('close', turn.leave);
    socket.once('end', turn.leave);
    socket.resume();
    void turn.admitted.then((admitted) => {
      socket.off('close', turn.leave);
      socket.off('end', turn.leave);
      if (!admitted || socket.destroyed || socket.readableEnded) {
        turn.leave();
        return void socket.destroy();
      }
      const address = upgradeAddress(request, gateway.options.clientAddress);
      gateway
        .authenticate({ url: request.url ?? '/', headers: request.headers, ip: address })
        .then(
          ({ principal, query }) =>
            wss.handleUpgrade(request, socket, head, (ws) => {
              alive.set(ws, true);
              attach(gateway, principal, ws, socket, shared, resumeFrom(query));
            }),
          (error: unknown) =>
            refuseFailedUpgrade(wss, { request, socket, head }, error, (unexpected) =>
              app.log.error({ err: unexpected }, 'websocket upgrade failed'),
            ),
        )
        .finally(turn.leave);
    });
  };

  const removeRoute = addUpgradeRoute(app.server, WS_PATH, onUpgrade);
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    removeRoute();
    // preClose already sent each socket `reconnect` and 4000; give the close handshakes a moment to flush.
    const deadline = Date.now() + 1000;
    while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
};

/**
 * Wires an accepted socket to its session. Apart from onUpgrade on purpose: closures made inside it would
 * share its scope, and so keep the upgrade's IncomingMessage (its URL with the token, its headers) and its
 * `head` (a slice of the request's bytes) for as long as the connection lives (~1.5 KB of each idle visitor).
 * The listeners every socket has alike (pong, error) are made once, in `shared`.
 */
function attach(
  gateway: Gateway,
  principal: Principal,
  ws: WebSocket,
  socket: Duplex,
  shared: { readonly onPong: (this: WebSocket) => void; readonly onError: (error: Error) => void },
  resume: Resume,
): void {
  ws.on('pong', shared.onPong);
  const session = gateway.open(principal, new WsSink(ws, socket));
  ws.on('message', (data, isBinary) => {
    void session.receive(isBinary ? '\u0000binary' : data.toString());
  });
  ws.on('close', () => session.close(1000, 'client closed'));
  ws.on('error', shared.onError);
  if (resume === 'invalid') {
    // As a hello frame with a bad lastSeq: the error, and the connection still waits for a valid hello.
    session.send(errorFrame('PARLEY_ERR_FRAME_INVALID', 'lastSeq in the URL must be a whole number, 0 or more.'));
  }
  if (typeof resume !== 'object') return session.awaitHello();
  // The URL said where to resume: the welcome follows the handshake, with no hello frame (one round trip less).
  void session.hello(resume.lastSeq, resume.batch).catch((error: unknown) => session.fail(error));
}

/** How a connection resumes: from the URL's `lastSeq` (and `batch=1`), or from the hello frame the client sends next. */
type Resume = { readonly lastSeq: number; readonly batch: boolean } | 'hello' | 'invalid';

function resumeFrom(query: URLSearchParams): Resume {
  const text = query.get('lastSeq');
  if (text === null) return 'hello';
  const lastSeq = wholeNumber(text);
  return lastSeq === undefined ? 'invalid' : { lastSeq, batch: query.get('batch') === '1' };
}

/**
 * Tells a client that arrived while connects and hellos were queued to the brim when to come back (`reconnect`, then close 4000,
 * as a drain does): the client waits that long, then resumes from its lastSeq. The wait paces returns at the rate
 * this node has been welcoming clients (admission.ts).
 */
function comeBackLater(ws: WebSocket, gateway: Gateway, onError: (error: Error) => void): void {
  ws.on('error', onError);
  const afterMs = gateway.admission.retryAfterMs();
  ws.send(JSON.stringify({ type: 'reconnect', afterMs, reason: 'busy' } satisfies ServerFrame));
  ws.close(CLOSE_CODES.SERVER_RESTART.code, 'busy');
}

/** A session's sink on one socket: an object with its methods on the prototype, not three closures per link. */
class WsSink implements Sink {
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  write(json: string): void {
    // Frames written in one turn of the event loop (an ack and the echo of the message it
    // acknowledges) leave in one TCP write instead of one each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(json);
  }

  pendingBytes(): number {
    return this.ws.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

function uncork(sink: WsSink): void {
  sink.uncork();
}
