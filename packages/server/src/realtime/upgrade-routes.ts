import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

/** Takes over one WebSocket upgrade request (authenticates it, then completes or refuses the handshake). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * WebSocket upgrades by path. Node emits every upgrade to every `upgrade` listener, so two plugins
 * each listening would both answer (one with a 404): the server has one listener, this router, and
 * each plugin adds its path (`/v1/realtime/ws`, the n8n client's `/chat`). Other paths get 404.
 */
class UpgradeRoutes {
  private readonly routes = new Map<string, UpgradeHandler>();

  constructor(private readonly server: Server) {}

  add(path: string, handler: UpgradeHandler): () => void {
    if (this.routes.has(path)) throw new Error(`a WebSocket route for ${path} is already registered`);
    if (this.routes.size === 0) this.server.on('upgrade', this.dispatch);
    this.routes.set(path, handler);
    return () => {
      if (this.routes.get(path) !== handler) return;
      this.routes.delete(path);
      if (this.routes.size === 0) this.server.off('upgrade', this.dispatch);
    };
  }

  private readonly dispatch = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The path as sent, up to its query: a WHATWG URL parse per upgrade was a tenth of the routing work of a connect.
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const handler = this.routes.get(path);
    if (handler === undefined) return refuseUpgrade(socket, 404);
    handler(request, socket, head);
  };
}

const routers = new WeakMap<Server, UpgradeRoutes>();

/** Routes upgrades of `path` on `server` to `handler`; returns the function that removes the route (on close). */
export function addUpgradeRoute(server: Server, path: string, handler: UpgradeHandler): () => void {
  let router = routers.get(server);
  if (router === undefined) {
    router = new UpgradeRoutes(server);
    routers.set(server, router);
  }
  return router.add(path, handler);
}

/** Refuses an upgrade with a plain HTTP status, for unknown paths and a draining node (the client retries). */
export function refuseUpgrade(socket: Duplex, status: number): void {
  const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The client address of an upgrade (it never becomes a Fastify request): `clientAddress`'s answer, else the socket's peer. */
export function upgradeAddress(request: IncomingMessage, clientAddress: ((request: IncomingMessage) => string) | undefined): string {
  return clientAddress?.(request) ?? request.socket.remoteAddress ?? '';
}

/**
 * Ends an upgrade whose authentication failed. Browsers do not expose an upgrade's HTTP status, so a
 * refusal (an ApiError) is a close code after the handshake: 401 → re-authenticate; 403 (origin) and
 * 404 (widget or conversation gone) → stop. Nothing is read from or sent to a refused socket but that
 * close: a hijacking page learns nothing. Any other error is logged by `unexpected` and answered 500.
 */
export function refuseFailedUpgrade(
  wss: WebSocketServer,
  upgrade: { readonly request: IncomingMessage; readonly socket: Duplex; readonly head: Buffer },
  error: unknown,
  unexpected: (error: unknown) => void,
): void {
  if (!(error instanceof ApiError)) {
    unexpected(error);
    return refuseUpgrade(upgrade.socket, 500);
  }
  const code = error.status === 401 ? CLOSE_CODES.UNAUTHORIZED.code : CLOSE_CODES.FORBIDDEN.code;
  wss.handleUpgrade(upgrade.request, upgrade.socket, upgrade.head, (ws) => ws.close(code, error.code));
}
