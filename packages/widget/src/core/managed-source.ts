import {
  backoffDelay,
  Connection,
  createClientId,
  Emitter,
  LOST_CAP_MS,
  ParleyApiError,
  RestClient,
  SEND_PATIENCE_MS,
  windowNetworkHooks,
  type OutboxEntry,
  type TransportName,
} from '@parley/client';
import type { ServerFrame, SessionCreated } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import type { ChatSource, SessionInfo, SourceContext, SourceEvents } from './chat-source.js';

export interface ManagedOptions {
  readonly baseUrl: string;
  readonly widgetId: string;
  /** Force one transport (or an order); default ws → sse → poll. */
  readonly transports?: readonly TransportName[];
  /** The widget's controller, for the call extra (extras/call.tsx) that a call frame loads. */
  readonly ctl?: Controller;
}

/**
 * Managed mode: the widget talks to a Parley server. A session (and so a conversation) is created on
 * the first message, not on page view; the realtime connection resumes from the persisted lastSeq and
 * outbox. Sessions cannot be refreshed: when one expires, the unsent messages move to a new conversation.
 */
export class ManagedSource extends Emitter<SourceEvents> implements ChatSource {
  private connection: Connection | undefined;
  private session: SessionInfo | null;
  private creating: Promise<void> | undefined;
  /** Messages written before the session existed: shown as pending, sent once connected. */
  private early: OutboxEntry[] = [];
  private readonly rest: RestClient;
  private readonly streams = new Map<string, string>();
  /** Failed session creations in a row, and when the first of them failed (0: none). */
  private attempts = 0;
  private failingSince = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Read by the call extra too (its `ctl`). */
    readonly options: ManagedOptions,
    private readonly context: SourceContext,
  ) {
    super();
    this.rest = new RestClient({ baseUrl: options.baseUrl });
    this.session = context.session;
  }

  start(): void {
    const session = this.session;
    if (session !== null && Date.parse(session.expiresAt) > Date.now())
      return this.connect(session, this.context.lastSeq, this.context.outbox);
    if (session !== null) {
      // Expired (sessions are not refreshable): its messages are numbered in that conversation only, so they go.
      this.session = null;
      this.emit('session', null);
      this.emit('reset', undefined);
    }
    if (this.context.outbox.length > 0) {
      this.early = [...this.context.outbox];
      void this.ensureSession();
    }
  }

  send(text: string, clientId?: string): void {
    if (this.connection !== undefined) {
      this.connection.send(text, clientId);
      return this.emitOutbox();
    }
    if (clientId !== undefined && this.early.some((held) => held.clientId === clientId)) return;
    const now = Date.now();
    this.early.push({ clientId: clientId ?? createClientId(now), text, createdAt: now, status: 'pending', retryable: true });
    this.emitOutbox();
    void this.ensureSession();
  }

  retry(clientId: string): void {
    if (this.connection !== undefined) this.connection.retry(clientId);
    else void this.ensureSession();
    this.emitOutbox();
  }

  typing(active: boolean): void {
    this.connection?.typing(active);
  }

  markRead(seq: number): void {
    this.connection?.markRead(seq);
  }

  async restart(): Promise<void> {
    this.drop();
    this.session = null;
    this.early = [];
    this.emit('session', null);
    this.emit('reset', undefined);
    this.emitOutbox();
  }

  close(): void {
    this.drop();
  }

  private drop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connection?.close();
    this.connection = undefined;
    this.streams.clear();
  }

  ensureSession(): Promise<void> {
    this.creating ??= this.createSession().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async createSession(): Promise<void> {
    const { language, attributes, identity, contact, consentId, opener } = this.context.profile();
    // Agents see where the visitor is (the console's context panel); the page's own attributes win.
    const page = { pageUrl: location.href, referrer: document.referrer, browser: navigator.userAgent };
    const seen = Object.fromEntries(Object.entries(page).flatMap(([key, value]) => (value === '' ? [] : [[key, value.slice(0, 500)]])));
    const meta = { ...seen, ...attributes };
    const given = contact === null ? {} : Object.fromEntries(Object.entries(contact).filter(([, value]) => value));
    // No durationInSeconds: the server grants the widget's own `sessionDuration`, the one setting that decides it.
    const body = {
      language,
      meta,
      consentId,
      // The campaign answered, the returning greeting shown (the campaigns extra): what the server stores first.
      ...opener,
      ...(identity === null ? {} : { identity }),
      ...(Object.keys(given).length > 0 ? { contact: given } : {}),
    };
    const { widgetId } = this.options;
    try {
      // Asked for proof of work (many new sessions from this address): solve it in the extra and ask again, once.
      const created = await this.rest.createSession(widgetId, body).catch(async (error: unknown) =>
        error instanceof ParleyApiError && error.challenge
          ? this.rest.createSession(widgetId, {
              ...body,
              challenge: await (await import('../extras/challenge.js')).solve(error.challenge),
            })
          : Promise.reject(error),
      );
      this.attempts = this.failingSince = 0;
      this.adopt(created);
    } catch (error) {
      // Nothing is lost: the early messages stay in the outbox. A passing failure (network, a node restarting,
      // storage away: 5xx, 429) is tried again by itself within LOST_CAP_MS, as the connection does, and the messages
      // stay "sending…" for SEND_PATIENCE_MS, as a refused send does; a refusal (4xx) needs the visitor: a retry, a
      // new send or a page load.
      const passing = !(error instanceof ParleyApiError) || error.status >= 500 || error.status === 429;
      // As the connection: the first failure is a blip the header keeps quiet about; from the second it says "Reconnecting…".
      const attempt = this.attempts;
      this.failingSince ||= Date.now();
      if (!passing || Date.now() - this.failingSince > SEND_PATIENCE_MS)
        this.early = this.early.map((entry) => ({ ...entry, status: 'failed' }));
      if (passing && this.retryTimer === undefined)
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = undefined;
            void this.ensureSession();
          },
          backoffDelay(this.attempts++, { capMs: LOST_CAP_MS }),
        );
      this.emitOutbox();
      // Refused outright (a block, an origin the widget does not allow): the link is stopped, as a 4003 close stops it.
      this.emit(
        'state',
        error instanceof ParleyApiError && error.status === 403
          ? { kind: 'closed', reason: 'forbidden', code: 4003 }
          : { kind: 'reconnecting', attempt, delayMs: null, reason: 'lost' },
      );
    }
  }

  /**
   * Takes a session the server answered: a new one, or another of the visitor's conversations (the conversations
   * extra), whose history replaces what is shown. Messages written before the session existed go with it.
   */
  adopt(created: SessionCreated): void {
    const session: SessionInfo = { token: created.token, conversationId: created.conversationId, expiresAt: created.expiresAt };
    const carried = this.early;
    this.early = [];
    if (this.session !== null) this.emit('reset', undefined);
    this.session = session;
    this.emit('session', session);
    // The session answer holds the history (the greeting, a resumed conversation): the connection resumes after it.
    if (created.messages.length > 0) this.emit('messages', created.messages);
    this.connect(session, created.messages.at(-1)?.seq ?? 0, carried);
  }

  private connect(session: SessionInfo, lastSeq: number, outbox: readonly OutboxEntry[]): void {
    this.drop();
    const connection = new Connection({
      baseUrl: this.options.baseUrl,
      token: session.token,
      lastSeq,
      batches: true,
      initialOutbox: outbox.map((entry) => (entry.status === 'failed' && entry.retryable ? { ...entry, status: 'pending' } : entry)),
      network: windowNetworkHooks(window, document),
      ...(this.options.transports === undefined ? {} : { transports: this.options.transports }),
    });
    this.connection = connection;
    connection.on('message', (message) => {
      this.emit('messages', [message]);
      this.emitOutbox();
    });
    connection.on('messages', (messages) => {
      this.emit('messages', messages);
      this.emitOutbox();
    });
    connection.on('ack', () => this.emitOutbox());
    connection.on('error', () => this.emitOutbox());
    connection.on('typing', (frame) => this.emit('typing', { author: frame.author, active: frame.active }));
    connection.on('read', (frame) => {
      if (frame.reader.role !== 'visitor') this.emit('read', { seq: frame.seq });
    });
    connection.on('frame', (frame) => this.onFrame(frame));
    connection.on('state', (state) => {
      this.emit('state', state);
      // An expired or refused token: sessions are not refreshable, so the unsent messages move to a new conversation.
      if (state.kind === 'closed' && state.reason === 'unauthorized' && this.connection === connection) this.renew(connection);
    });
    connection.connect();
    this.emitOutbox();
  }

  private renew(old: Connection): void {
    this.early = [...old.snapshot()];
    this.drop();
    this.session = null;
    this.emit('session', null);
    this.emit('reset', undefined);
    if (this.early.length > 0) void this.ensureSession();
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'stream_delta': {
        const text = (this.streams.get(frame.streamId) ?? '') + frame.delta;
        this.streams.set(frame.streamId, text);
        return this.emit('stream', { streamId: frame.streamId, author: frame.author, text, done: false });
      }
      case 'stream_end': {
        const text = this.streams.get(frame.streamId) ?? '';
        this.streams.delete(frame.streamId);
        const author = { role: 'bot', id: '', name: '' } as const;
        return this.emit('stream', { streamId: frame.streamId, author, text, done: true, messageId: frame.messageId });
      }
      case 'status':
        return this.emit('status', { owner: frame.owner, assignee: frame.assignee?.name ?? null, queue: frame.queue ?? null });
      case 'presence':
        // The frame as it came (asyncMode and any later field included), its optional flags made definite.
        return this.emit('presence', {
          ...frame,
          offline: frame.offline === true,
          offlineMessage: frame.offlineMessage ?? '',
          emailReplies: frame.emailReplies === true,
        });
      default:
        // call, call_connect, call_signal: the call extra (loaded by the first) answers through this link.
        if (frame.type.startsWith('call')) void import('../extras/call.js').then((call) => call.onCallFrame(frame, this));
    }
  }

  private emitOutbox(): void {
    this.emit('outbox', [...this.early, ...(this.connection?.snapshot() ?? [])]);
  }
}
