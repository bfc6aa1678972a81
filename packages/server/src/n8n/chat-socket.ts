import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES } from '@parley/protocol';
import type { BusGap } from '../bus/bus.js';
import type { N8nChat } from '../engine/n8n-chat.js';
import { gapTouchesConversation } from '../realtime/gap-scope.js';
import type { SessionDeps } from '../realtime/session.js';
import { addUpgradeRoute, refuseFailedUpgrade, refuseUpgrade, upgradeAddress } from '../realtime/upgrade-routes.js';
import { N8nSocketSession } from './n8n-socket-session.js';

/** Where @n8n/chat 1.x opens its socket: `/chat` at the root of its webhookUrl's origin, a path it does not let you change. */
export const N8N_CHAT_PATH = '/chat';
/** As n8n's own chat service: a heartbeat every 30 s, and a client silent for 60 s is dropped. */
const HEARTBEAT_MS = 30_000;

export interface ChatSocketOptions {
  readonly chat: N8nChat;
  readonly session: SessionDeps;
  /** Tests shorten it; a client that answered none of the last two heartbeats is dropped. */
  readonly heartbeatMs?: number;
  /** The bus calls these when events may have been lost between nodes: open sockets re-read the database. */
  readonly resyncListeners?: Set<(gap: BusGap) => void>;
  /** The client address of an upgrade (forwarded only from trusted proxies); the socket's own peer when absent. */
  readonly clientAddress?: (request: IncomingMessage) => string;
}

/**
 * `GET /chat` (WebSocket): the push channel of @n8n/chat 1.x, so an agent's replies appear live in
 * the stock n8n widget. The client opens it with the `sessionId` and `executionId` of a `sendMessage`
 * answer that said `executionStarted` (api/n8n.ts); both are checked (engine/n8n-chat.ts openSocket),
 * and so is the page's Origin against the widget's allowlist. Text frames carry the conversation's
 * messages as Markdown; `n8n|heartbeat` must be answered with `n8n|heartbeat-ack`.
 */
export const chatSocket: FastifyPluginAsync<ChatSocketOptions> = async (app, options) => {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES * 4 });
  const sessions = new Set<N8nSocketSession>();
  const lastHeard = new WeakMap<WebSocket, number>();
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let draining = false;

  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (Date.now() - (lastHeard.get(socket) ?? 0) > heartbeatMs * 2) {
        socket.terminate();
        continue;
      }
      socket.send('n8n|heartbeat');
    }
  }, heartbeatMs);
  heartbeat.unref();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (draining) return refuseUpgrade(socket, 503);
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const sessionId = query.get('sessionId') ?? '';
    options.chat.openSocket(sessionId, query.get('executionId') ?? '', request.headers.origin).then(
      (target) =>
        wss.handleUpgrade(request, socket, head, (ws) => {
          lastHeard.set(ws, Date.now());
          const session = new N8nSocketSession(
            options.session,
            { ...target, sessionId, address: upgradeAddress(request, options.clientAddress) },
            (message) => options.chat.text(message),
            {
              send: (text) => ws.send(text),
              pendingBytes: () => ws.bufferedAmount,
              close: (code, reason) => {
                if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
              },
            },
            (closed) => sessions.delete(closed),
          );
          sessions.add(session);
          ws.on('message', (data, isBinary) => {
            lastHeard.set(ws, Date.now());
            if (!isBinary) session.receive(data.toString());
          });
          ws.on('close', () => session.close(1000, 'client closed'));
          ws.on('error', (error) => app.log.debug({ err: error }, 'n8n chat socket error'));
          session.start().catch((error: unknown) => {
            app.log.error({ err: error }, 'n8n chat socket failed to start');
            session.close(CLOSE_CODES.SERVER_RESTART.code, 'server error');
          });
        }),
      // As the realtime socket: a close code after the handshake (browsers hide an upgrade's status), nothing else.
      (error: unknown) =>
        refuseFailedUpgrade(wss, { request, socket, head }, error, (unexpected) =>
          app.log.error({ err: unexpected }, 'n8n chat socket upgrade failed'),
        ),
    );
  };

  const resync = (gap: BusGap): void => {
    for (const session of sessions) if (gapTouchesConversation(gap, session.conversationId)) session.resync();
  };
  options.resyncListeners?.add(resync);
  const removeRoute = addUpgradeRoute(app.server, N8N_CHAT_PATH, onUpgrade);
  app.addHook('preClose', async () => {
    // @n8n/chat does not reconnect: its next message goes over HTTP and opens a socket on a live node.
    draining = true;
    for (const session of [...sessions]) session.close(CLOSE_CODES.SERVER_RESTART.code, 'server restarting');
  });
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    removeRoute();
    options.resyncListeners?.delete(resync);
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
};
