import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { MESSAGE_TEXT_MAX } from '@parley/protocol';
import type { N8nSocketTarget } from '../engine/n8n-chat.js';
import { RealtimeSession, type SessionDeps } from '../realtime/session.js';
import { noticeText } from '../engine/visitor-notices.js';
import type { N8nShown } from './n8n-text.js';

/** What the n8n client's socket gives the session: a text frame out, its unread bytes, and the end of the link. */
export interface N8nSocket {
  send(text: string): void;
  pendingBytes(): number;
  close(code: number, reason: string): void;
}

/** A send the store refused is tried again this often (same clientId, so a retry never stores it twice). */
const SEND_ATTEMPTS = 3;
const RETRY_DELAY_MS = 500;

/** The frame @n8n/chat sends over its socket for each message the visitor types. */
const visitorFrameSchema = v.object({
  sessionId: v.string(),
  action: v.literal('sendMessage'),
  chatInput: v.string(),
  files: v.optional(v.array(v.unknown())),
});

const ownerEntries = {
  owner: v.string(),
  assignee: v.nullable(v.object({ id: v.string(), name: v.string() })),
};

/** The parts of Parley's server frames this adapter reads (frames this server wrote itself). */
const serverFrameSchema = v.variant('type', [
  v.object({
    type: v.literal('message'),
    message: v.object({
      author: v.object({ role: v.string(), id: v.string(), name: v.string() }),
      type: v.string(),
      text: v.string(),
      payload: v.nullable(v.record(v.string(), v.unknown())),
    }),
  }),
  v.object({ type: v.literal('welcome'), status: v.optional(v.object(ownerEntries)) }),
  v.object({ type: v.literal('status'), ...ownerEntries }),
  v.object({ type: v.literal('ack'), clientId: v.string() }),
  v.object({ type: v.literal('error'), code: v.string(), message: v.string(), clientId: v.optional(v.string()) }),
]);
/** The frame types serverFrameSchema reads: the others (typing, read, presence, pong…) are not even parsed. */
const READ_TYPES: ReadonlySet<string> = new Set(serverFrameSchema.options.map((option) => option.entries.type.literal));

/**
 * One @n8n/chat socket on `/chat`: the visitor's side of a Parley conversation, translated. It is a
 * RealtimeSession (ordering by seq, gaps filled from the database, slow readers dropped, the same
 * send path as the widget) whose frames are rewritten: the conversation's bot and agent messages go
 * out as Markdown text frames, which @n8n/chat shows one bubble each; an agent taking the
 * conversation becomes "<name> joined the conversation."; the visitor's `sendMessage` frames are
 * stored as visitor messages, each with its own clientId.
 */
export class N8nSocketSession {
  private readonly session: RealtimeSession;
  /** Per socket: with the frame count it makes each visitor message's clientId. */
  private readonly nonce = randomBytes(9).toString('base64url');
  private sent = 0;
  private shown = false;
  /** Agents the visitor knows are here (announced, or owning the conversation when the socket opened). */
  private readonly present = new Set<string>();
  private personOwns = false;
  private readonly pending = new Map<string, { text: string; attempts: number }>();
  private retryTimers = new Set<NodeJS.Timeout>();

  constructor(
    deps: SessionDeps,
    /** `address`: the client's, as `request.ip` computes it: visitor volume limits count per it. */
    private readonly target: N8nSocketTarget & { readonly sessionId: string; readonly address: string },
    private readonly text: (message: N8nShown) => string,
    private readonly socket: N8nSocket,
    onClosed: (session: N8nSocketSession) => void,
  ) {
    this.session = new RealtimeSession(
      deps,
      {
        conversationId: target.conversationId,
        author: target.author,
        botId: target.botId,
        language: target.language,
        widgetId: target.widgetId,
        address: target.address,
      },
      {
        write: (json, { type }) => {
          if (READ_TYPES.has(type)) this.fromParley(json);
        },
        pendingBytes: () => socket.pendingBytes(),
        close: (code, reason) => socket.close(code, reason),
      },
      () => {
        for (const timer of this.retryTimers) clearTimeout(timer);
        onClosed(this);
      },
    );
  }

  get conversationId(): string {
    return this.target.conversationId;
  }

  /** Sends what the conversation holds after the execution's seq, then follows it live. */
  async start(): Promise<void> {
    await this.session.hello(this.target.afterSeq);
    // Nothing to show yet (a person owns the conversation but has not written): without a message
    // @n8n/chat shows its typing dots and keeps the composer locked, as if an answer were coming.
    if (!this.shown && this.personOwns && !this.session.closed) this.say(noticeText('human_will_answer', this.target.language));
  }

  /** A text frame from the client: a heartbeat's answer or a message the visitor typed. */
  receive(raw: string): void {
    if (raw === 'n8n|heartbeat-ack') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const frame = v.safeParse(visitorFrameSchema, json);
    // Only the session this socket was opened for: the executionId was issued to it.
    if (!frame.success || frame.output.sessionId !== this.target.sessionId) return;
    const text = frame.output.chatInput.trim().slice(0, MESSAGE_TEXT_MAX);
    if ((frame.output.files ?? []).length > 0) this.say(noticeText('no_files', this.target.language));
    if (text === '') return;
    this.sent += 1;
    const clientId = `n8n-${this.nonce}-${this.sent}`;
    this.pending.set(clientId, { text, attempts: 1 });
    this.store(clientId, text);
  }

  resync(): void {
    this.session.resync();
  }

  close(code: number, reason: string): void {
    this.session.close(code, reason);
  }

  private store(clientId: string, text: string): void {
    void this.session.receive(JSON.stringify({ type: 'send', clientId, text }));
  }

  private fromParley(json: string): void {
    const parsed = v.safeParse(serverFrameSchema, JSON.parse(json));
    if (!parsed.success) return;
    const frame = parsed.output;
    switch (frame.type) {
      case 'message': {
        const { author } = frame.message;
        // An agent's first reply is what gives them the conversation; its status frame comes after it.
        if (author.role === 'agent') this.joined(author);
        if (shownToVisitor(frame.message)) this.say(this.text(frame.message));
        return;
      }
      case 'welcome':
        if (frame.status !== undefined) this.owned(frame.status, false);
        return;
      case 'status':
        this.owned(frame, true);
        return;
      case 'ack':
        this.pending.delete(frame.clientId);
        return;
      case 'error':
        if (frame.clientId === undefined) return;
        // Only a store failure is worth repeating; a refusal (too fast, too long) is said to the visitor as it is.
        if (frame.code === 'PARLEY_ERR_SEND_FAILED') this.retry(frame.clientId);
        else if (this.pending.delete(frame.clientId)) this.say(frame.message);
        return;
    }
  }

  /** Who owns the conversation now. An agent taking it is announced, except in the welcome (they joined before this socket). */
  private owned(
    status: { readonly owner: string; readonly assignee: { readonly id: string; readonly name: string } | null },
    announce: boolean,
  ): void {
    this.personOwns = status.owner === 'queued' || status.owner === 'human';
    const assignee = status.owner === 'human' ? status.assignee : null;
    if (assignee === null) return;
    if (announce) this.joined(assignee);
    else this.present.add(assignee.id);
  }

  /** "<name> joined the conversation." once per agent, before anything they say. */
  private joined(agent: { readonly id: string; readonly name: string }): void {
    if (this.present.has(agent.id)) return;
    this.present.add(agent.id);
    this.say(noticeText('agent_joined', this.target.language, agent.name));
  }

  /** The store refused a send (database down): tried again with the same clientId, then the visitor is told. */
  private retry(clientId: string): void {
    const send = this.pending.get(clientId);
    if (send === undefined) return;
    if (send.attempts >= SEND_ATTEMPTS) {
      this.pending.delete(clientId);
      this.say(noticeText('not_delivered', this.target.language));
      return;
    }
    send.attempts += 1;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.store(clientId, send.text);
    }, RETRY_DELAY_MS * send.attempts);
    this.retryTimers.add(timer);
  }

  private say(text: string): void {
    if (text === '' || this.session.closed) return;
    this.shown = true;
    this.socket.send(asTextFrame(text));
  }
}

/** What of the conversation the visitor sees in @n8n/chat: the bot's and agents' messages, and the handoff notice. */
function shownToVisitor(message: {
  readonly author: { readonly role: string };
  readonly type: string;
  readonly payload: object | null;
}): boolean {
  if (message.author.role === 'visitor') return false;
  if (message.type !== 'event') return true;
  const event = message.payload !== null && 'event' in message.payload ? message.payload.event : undefined;
  return typeof event === 'string' && event.startsWith('handoff');
}

/**
 * @n8n/chat parses every frame as JSON first: `{"type":"message"|"error"|"with-buttons",…}` and its
 * heartbeat words mean something else. A text that would be read so is sent wrapped as a `message`
 * frame, which shows its text as it is; everything else goes out as the plain text it is.
 */
function asTextFrame(text: string): string {
  if (text === 'n8n|heartbeat' || text === 'n8n|continue') return JSON.stringify({ type: 'message', text });
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'type' in parsed) return JSON.stringify({ type: 'message', text });
  } catch {
    // Not JSON: plain text, as intended.
  }
  return text;
}
