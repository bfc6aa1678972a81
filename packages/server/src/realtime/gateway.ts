import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { CLOSE_CODES } from '@parley/protocol';
import { authenticate, tokenFrom, type AuthenticatorDeps, type Principal } from './authenticate.js';
import { InboxSession, type InboxSessionDeps } from './inbox-session.js';
import { pollTransport } from './poll-transport.js';
import { RealtimeSession, type SessionDeps, type Sink } from './session.js';
import { sseTransport } from './sse-transport.js';
import { wsTransport } from './ws-transport.js';

export interface GatewayOptions {
  readonly session: SessionDeps;
  readonly auth: AuthenticatorDeps;
  /** Agents' inbox streams (`?inbox=1`); without it they are refused. */
  readonly inbox?: InboxSessionDeps;
  /** The bus calls these after it reconnected to its peers (see RedisBus onResync). */
  readonly resyncListeners?: Set<() => void>;
}

const SHUTDOWN_GRACE_MS = 1000;

/** A conversation session or an agent's inbox stream: what the transports drive. */
export type GatewaySession = RealtimeSession | InboxSession;

/** The open sessions of this node, so shutdown can tell each to reconnect elsewhere. */
export class Gateway {
  private readonly sessions = new Set<GatewaySession>();
  private draining = false;

  constructor(readonly options: GatewayOptions) {}

  get isDraining(): boolean {
    return this.draining;
  }

  get size(): number {
    return this.sessions.size;
  }

  authenticate(query: URLSearchParams, authorization: string | undefined, origin: string | undefined, cookie?: string): Promise<Principal> {
    const conversationId = query.get('conversationId') ?? undefined;
    const inbox = query.get('inbox') === '1' && this.options.inbox !== undefined;
    return authenticate(this.options.auth, { token: tokenFrom(query, authorization), conversationId, origin, cookie, inbox });
  }

  open(principal: Principal, sink: Sink): GatewaySession {
    const onClosed = (closed: GatewaySession): void => {
      this.sessions.delete(closed);
    };
    const session =
      principal.inbox === true && this.options.inbox !== undefined
        ? new InboxSession(this.options.inbox, principal, sink, onClosed)
        : new RealtimeSession(this.options.session, principal, sink, onClosed);
    this.sessions.add(session);
    if (this.draining) session.close(CLOSE_CODES.SERVER_RESTART.code, 'server restarting');
    return session;
  }

  /** After a bus outage every open session re-reads the database from what it delivered last. */
  resync(): void {
    for (const session of this.sessions) session.resync();
  }

  /** Every connection gets `reconnect` and a SERVER_RESTART close; clients resume from lastSeq on another node. */
  drain(): void {
    this.draining = true;
    for (const session of [...this.sessions]) {
      session.send({ type: 'reconnect', afterMs: 0, reason: 'server restarting' });
      session.close(CLOSE_CODES.SERVER_RESTART.code, 'server restarting');
    }
  }
}

/** Registers the three transports over one gateway; `preClose` drains it before the HTTP server stops. */
export const realtimeGateway: FastifyPluginAsync<GatewayOptions> = async (app: FastifyInstance, options) => {
  const gateway = new Gateway(options);
  const resync = (): void => gateway.resync();
  options.resyncListeners?.add(resync);
  let forceClose: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    gateway.drain();
    // Keep-alive sockets of aborted polls are not always seen as idle by Node, and would hold close
    // open forever: requests still running get a grace period, then every connection is ended.
    forceClose = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    forceClose.unref();
  });
  app.addHook('onClose', async () => {
    clearTimeout(forceClose);
    options.resyncListeners?.delete(resync);
  });
  await app.register(wsTransport, { gateway });
  await app.register(sseTransport, { gateway });
  await app.register(pollTransport, { gateway });
};
