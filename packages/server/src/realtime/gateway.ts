import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { CLOSE_CODES, type VisitorBlock } from '@parley/protocol';
import type { BusGap } from '../bus/bus.js';
import { Admission } from './admission.js';
import { authenticate, tokenFrom, type AuthenticatorDeps, type Principal } from './authenticate.js';
import { gapTouchesConversation, inboxEntriesAfter } from './gap-scope.js';
import { InboxSession, type InboxSessionDeps } from './inbox-session.js';
import { pollTransport } from './poll-transport.js';
import { drainWaitMs, sendAway, type Rebalancer } from './rebalancer.js';
import { RealtimeSession, type SessionDeps, type Sink } from './session.js';
import { sseTransport } from './sse-transport.js';
import { wsTransport } from './ws-transport.js';

export interface GatewayOptions {
  readonly session: SessionDeps;
  readonly auth: AuthenticatorDeps;
  /** Agents' inbox streams (`?inbox=1`); without it they are refused. */
  readonly inbox?: InboxSessionDeps;
  /** Sheds this node's connections on request (SIGUSR2, POST /v1/admin/rebalance); it is given the open sessions here. */
  readonly rebalancer?: Rebalancer;
  /** The bus calls these when events may have been lost between nodes (see RedisBus onResync). */
  readonly resyncListeners?: Set<(gap: BusGap) => void>;
  /** The client address of a WebSocket upgrade (it never becomes a Fastify request); default the socket's peer. */
  readonly clientAddress?: (request: IncomingMessage) => string;
  /** Erasures and consent withdrawals (privacy/): the conversation's visitor links close at once, on every node. */
  readonly erasures?: {
    onErased(listener: (conversationIds: readonly string[], why: 'erased' | 'consent withdrawn') => void): () => void;
    listen(): Promise<unknown>;
  };
  /** Revoked conversation links (conversation-links/), on any node: the visitor links opened from them close. */
  readonly linkRevocations?: {
    onRevoked(listener: (linkId: string) => void): () => void;
    listen(): Promise<unknown>;
  };
}

const SHUTDOWN_GRACE_MS = 1000;

/** A conversation session or an agent's inbox stream: what the transports drive. */
export type GatewaySession = RealtimeSession | InboxSession;

/** What a transport passes of its request: the URL with its query, the headers and the client address. */
export interface TransportRequest {
  readonly url: string;
  readonly headers: {
    readonly authorization?: string | undefined;
    readonly origin?: string | undefined;
    readonly cookie?: string | undefined;
  };
  readonly ip: string;
}

/** The open sessions of this node, so shutdown can tell each to reconnect elsewhere. */
export class Gateway {
  private readonly sessions = new Set<GatewaySession>();
  private draining = false;
  /** Hellos take turns here (SessionDeps.admission, or this node's own); a transport asks it before authenticating. */
  readonly admission: Admission;
  private readonly sessionDeps: SessionDeps;

  constructor(readonly options: GatewayOptions) {
    this.admission = options.session.admission ?? new Admission();
    this.sessionDeps = { ...options.session, admission: this.admission };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The sessions open now (live: copy before closing any). */
  openSessions(): Iterable<GatewaySession> {
    return this.sessions.values();
  }

  /** The principal of a transport's request (WebSocket upgrade, SSE, poll, HTTP send), with the query it was read from. */
  async authenticate(request: TransportRequest): Promise<{ principal: Principal; query: URLSearchParams }> {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const { authorization, origin, cookie } = request.headers;
    const principal = await authenticate(this.options.auth, {
      token: tokenFrom(query, authorization),
      conversationId: query.get('conversationId') ?? undefined,
      origin,
      cookie,
      inbox: query.get('inbox') === '1' && this.options.inbox !== undefined,
      address: request.ip,
    });
    return { principal: { ...principal, address: request.ip }, query };
  }

  /** One function for every session (not a closure each: ~100 B of every idle link). */
  private readonly forget = (closed: GatewaySession): void => {
    this.sessions.delete(closed);
  };

  open(principal: Principal, sink: Sink): GatewaySession {
    const onClosed = this.forget;
    const session =
      principal.inbox === true && this.options.inbox !== undefined
        ? new InboxSession(this.options.inbox, principal, sink, onClosed)
        : new RealtimeSession(this.sessionDeps, principal, sink, onClosed);
    this.sessions.add(session);
    if (this.draining) session.close(CLOSE_CODES.SERVER_RESTART.code, 'server restarting');
    return session;
  }

  /** A new block (made on any node): the visitor links it refuses close now, and their clients stop. */
  refuse(block: VisitorBlock): void {
    for (const session of [...this.sessions]) {
      if (session instanceof InboxSession) continue;
      const { principal } = session;
      if (principal.author.role !== 'visitor' || principal.widgetId === undefined) continue;
      if (block.widgetId !== null && block.widgetId !== principal.widgetId) continue;
      const refused =
        block.scope === 'visitor'
          ? principal.visitor === block.subject
          : principal.address !== undefined && this.options.auth.blocks?.storedAddress(principal.address) === block.subject;
      if (refused) session.close(CLOSE_CODES.FORBIDDEN.code, 'blocked');
    }
  }

  /** Erased conversations (every link), or withdrawn consent (visitor links), on any node: they close with FORBIDDEN, so the widget stops. */
  erased(conversationIds: readonly string[], why: 'erased' | 'consent withdrawn' = 'erased'): void {
    const erased = new Set(conversationIds);
    for (const session of [...this.sessions]) {
      if (session instanceof InboxSession || !erased.has(session.principal.conversationId)) continue;
      // A withdrawal ends the visitor's session only: an agent's view of the kept conversation stays.
      if (why === 'erased' || session.principal.author.role === 'visitor') session.close(CLOSE_CODES.FORBIDDEN.code, why);
    }
  }

  /** A revoked conversation link: the visitor links opened from it close with FORBIDDEN (the widget stops, calmly). */
  linkRevoked(linkId: string): void {
    for (const session of [...this.sessions]) {
      if (!(session instanceof InboxSession) && session.principal.linkId === linkId)
        session.close(CLOSE_CODES.FORBIDDEN.code, 'link revoked');
    }
  }

  /**
   * After a bus gap every open session it concerns re-reads the database: a conversation from the
   * last seq it delivered, an inbox stream the entries that may be stale.
   */
  resync(gap: BusGap): void {
    const inboxEntries = inboxEntriesAfter(gap);
    // A copy: an inbox stream may close itself to resync.
    for (const session of [...this.sessions]) {
      if (session instanceof InboxSession) {
        if (inboxEntries !== null) session.resync(inboxEntries);
      } else if (gapTouchesConversation(gap, session.principal.conversationId)) session.resync();
    }
  }

  /**
   * Every connection gets `reconnect` and a SERVER_RESTART close; clients resume from lastSeq on another node. Each
   * is told to wait a random part of a spread that grows with the number of connections (rebalancer.ts
   * drainWaitMs), so they reach the surviving nodes — or this one, restarted — as a trickle. The node's shutdown
   * is not lengthened: the frames all leave now, and the clients do the waiting.
   */
  drain(random: () => number = Math.random): void {
    this.draining = true;
    const sessions = [...this.sessions];
    for (const session of sessions) sendAway(session, 'server restarting', drainWaitMs(sessions.length, random));
  }
}

/** Registers the three transports over one gateway; `preClose` drains it before the HTTP server stops. */
export const realtimeGateway: FastifyPluginAsync<GatewayOptions> = async (app: FastifyInstance, options) => {
  const gateway = new Gateway(options);
  options.rebalancer?.attach(() => gateway.openSessions());
  const resync = (gap: BusGap): void => gateway.resync(gap);
  options.resyncListeners?.add(resync);
  const stopRefusing = options.auth.blocks?.onBlocked((block) => gateway.refuse(block));
  await options.auth.blocks?.listen();
  const stopErasing = options.erasures?.onErased((conversationIds, why) => gateway.erased(conversationIds, why));
  await options.erasures?.listen();
  const stopRevoking = options.linkRevocations?.onRevoked((linkId) => gateway.linkRevoked(linkId));
  await options.linkRevocations?.listen();
  let forceClose: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    options.rebalancer?.stop();
    gateway.drain();
    // Keep-alive sockets of aborted polls are not always seen as idle by Node, and would hold close
    // open forever: requests still running get a grace period, then every connection is ended.
    forceClose = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    forceClose.unref();
  });
  app.addHook('onClose', async () => {
    clearTimeout(forceClose);
    options.resyncListeners?.delete(resync);
    stopRefusing?.();
    stopErasing?.();
    stopRevoking?.();
  });
  await app.register(wsTransport, { gateway });
  await app.register(sseTransport, { gateway });
  await app.register(pollTransport, { gateway });
};
