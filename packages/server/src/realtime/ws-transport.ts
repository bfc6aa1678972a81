import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { CLOSE_CODES, HEARTBEAT_MS, MAX_CLIENT_FRAME_BYTES } from '@parley/protocol';
import type { Principal } from './authenticate.js';
import type { Gateway } from './gateway.js';
import { addUpgradeRoute, refuseFailedUpgrade, refuseUpgrade as reject, upgradeAddress } from './upgrade-routes.js';

export const WS_PATH = '/v1/realtime/ws';

/**
 * WebSocket adapter: authenticates the upgrade (token, widget, Origin allowlist against cross-site
 * WebSocket hijacking; a refusal is close 4001 or 4003 right after the handshake), then only moves
 * strings between the socket and the session. Heartbeat:
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

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (gateway.isDraining) return reject(socket, 503);
    const address = upgradeAddress(request, gateway.options.clientAddress);
    gateway.authenticate({ url: request.url ?? '/', headers: request.headers, ip: address }).then(
      ({ principal }) =>
        wss.handleUpgrade(request, socket, head, (ws) => {
          alive.set(ws, true);
          attach(gateway, principal, ws, socket, app.log, alive);
        }),
      (error: unknown) =>
        refuseFailedUpgrade(wss, { request, socket, head }, error, (unexpected) =>
          app.log.error({ err: unexpected }, 'websocket upgrade failed'),
        ),
    );
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
 */
function attach(
  gateway: Gateway,
  principal: Principal,
  ws: WebSocket,
  socket: Duplex,
  log: FastifyBaseLogger,
  alive: WeakMap<WebSocket, boolean>,
): void {
  ws.on('pong', () => alive.set(ws, true));
  let corked = false;
  const session = gateway.open(principal, {
    write: (json) => {
      // Frames written in one turn of the event loop (an ack and the echo of the message it
      // acknowledges) leave in one TCP write instead of one each.
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      ws.send(json);
    },
    pendingBytes: () => ws.bufferedAmount,
    close: (code, reason) => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    },
  });
  ws.on('message', (data, isBinary) => {
    void session.receive(isBinary ? '\u0000binary' : data.toString());
  });
  ws.on('close', () => session.close(1000, 'client closed'));
  ws.on('error', (error) => log.debug({ err: error }, 'websocket error'));
  session.awaitHello();
}
