import { createClientId, Emitter, type OutboxEntry } from '@parley/client';
import type { Author, Message } from '@parley/protocol';
import type { ChatSource, SessionInfo, SourceContext, SourceEvents } from './chat-source.js';
import { readNdjson } from './ndjson.js';

export interface DirectOptions {
  /** The n8n Chat Trigger URL (`…/webhook/<id>/chat`) or any endpoint speaking its protocol. */
  readonly webhookUrl: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Ask for NDJSON streaming (the trigger's response mode decides; a plain JSON answer still works). */
  readonly stream?: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

const BOT: Author = { role: 'bot', id: 'webhook', name: 'Assistant' };
const FAR_FUTURE = '9999-12-31T00:00:00.000Z';

/**
 * Direct mode: no Parley server. Each message is one POST `{ action: 'sendMessage', sessionId,
 * chatInput, metadata }` to an n8n Chat Trigger compatible webhook (../shared/protocols/n8n-chat.md);
 * the answer is JSON (`output`/`text`/`message`) or NDJSON chunks (`begin`/`item`/`end`/`error`).
 * Messages are numbered here, since there is no server seq; history lives in the browser.
 */
export class DirectSource extends Emitter<SourceEvents> implements ChatSource {
  private seq: number;
  private session: SessionInfo | null;
  private outbox: OutboxEntry[];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: DirectOptions,
    private readonly context: SourceContext,
  ) {
    super();
    this.seq = context.lastSeq;
    this.session = context.session;
    this.outbox = [...context.outbox];
  }

  start(): void {
    this.emit('state', { kind: 'open', transport: 'poll', conversationId: this.session?.conversationId ?? null });
    for (const entry of this.outbox) if (entry.status === 'pending') this.enqueue(entry);
  }

  send(text: string, clientId?: string): void {
    if (clientId !== undefined && this.outbox.some((held) => held.clientId === clientId)) return;
    const now = Date.now();
    const entry: OutboxEntry = { clientId: clientId ?? createClientId(now), text, createdAt: now, status: 'pending', retryable: true };
    this.outbox.push(entry);
    this.emit('outbox', [...this.outbox]);
    this.enqueue(entry);
  }

  retry(clientId: string): void {
    const entry = this.outbox.find((held) => held.clientId === clientId);
    if (entry === undefined) return;
    this.replace({ ...entry, status: 'pending' });
    this.enqueue(entry);
  }

  typing(): void {
    // The webhook protocol has no typing signal.
  }

  markRead(): void {
    // Nor read receipts.
  }

  async restart(): Promise<void> {
    this.session = null;
    this.seq = 0;
    this.outbox = [];
    this.emit('session', null);
    this.emit('reset', undefined);
    this.emit('outbox', []);
  }

  close(): void {
    this.outbox = [];
  }

  /** One request at a time, in the order typed: the workflow's memory expects turns in order. */
  private enqueue(entry: OutboxEntry): void {
    this.chain = this.chain.then(() => this.deliver(entry));
  }

  private sessionId(): string {
    if (this.session === null) {
      this.session = { token: '', conversationId: crypto.randomUUID(), expiresAt: FAR_FUTURE };
      this.emit('session', this.session);
    }
    return this.session.conversationId;
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const conversationId = this.sessionId();
    const body = {
      action: 'sendMessage',
      sessionId: conversationId,
      chatInput: entry.text,
      ...(this.options.metadata ? { metadata: this.options.metadata } : {}),
    };
    let response: Response;
    try {
      response = await fetch(this.options.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.stream === false ? {} : { accept: 'text/plain' }),
          ...this.options.headers,
        },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch {
      this.replace({ ...entry, status: 'failed', retryable: true });
      this.emit('state', { kind: 'reconnecting', attempt: 0, delayMs: null, reason: 'lost' });
      return;
    }
    this.emit('state', { kind: 'open', transport: 'poll', conversationId });
    this.outbox = this.outbox.filter((held) => held.clientId !== entry.clientId);
    this.push({ role: 'visitor', id: 'me', name: '' }, entry.text, entry.clientId);
    this.emit('outbox', [...this.outbox]);
    this.emit('typing', { author: BOT, active: true });
    try {
      await this.readAnswer(response);
    } finally {
      this.emit('typing', { author: BOT, active: false });
    }
  }

  private async readAnswer(response: Response): Promise<void> {
    if (this.options.stream === false || response.body === null) return this.pushText(await response.text());
    // Streaming: one bubble per (nodeId, runIndex), grown by each `item` and stored at `end`.
    const bubbles = new Map<string, string>();
    let sawChunk = false;
    let whole = '';
    for await (const line of readNdjson(response.body)) {
      whole += `${line.raw}\n`;
      const chunk = line.json;
      if (chunk === undefined || typeof chunk.type !== 'string') continue;
      sawChunk = true;
      const key = `${chunk.metadata?.nodeId ?? ''}:${chunk.metadata?.runIndex ?? 0}`;
      if (chunk.type === 'item') {
        const grown = (bubbles.get(key) ?? '') + (typeof chunk.content === 'string' ? chunk.content : JSON.stringify(chunk.content ?? ''));
        bubbles.set(key, grown);
        this.emit('stream', { streamId: key, author: BOT, text: grown, done: false });
      } else if (chunk.type === 'end' || chunk.type === 'error') {
        const grown = bubbles.get(key) ?? '';
        bubbles.delete(key);
        this.emit('stream', { streamId: key, author: BOT, text: grown, done: true });
        const shown = chunk.type === 'error' ? `Error: ${String(chunk.content ?? '')}` : grown;
        if (shown !== '') this.push(BOT, shown, null);
      }
    }
    for (const [key, grown] of bubbles) {
      this.emit('stream', { streamId: key, author: BOT, text: grown, done: true });
      if (grown !== '') this.push(BOT, grown, null);
    }
    // Not a stream after all: the trigger answered one JSON document.
    if (!sawChunk) this.pushText(whole);
  }

  private pushText(body: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = body;
    }
    this.push(BOT, answerText(parsed), null);
  }

  private push(author: Author, text: string, clientId: string | null): void {
    const conversationId = this.session?.conversationId ?? '';
    const message: Message = {
      id: clientId ?? createClientId(),
      conversationId,
      seq: ++this.seq,
      author,
      type: 'text',
      text,
      payload: null,
      clientId,
      createdAt: new Date().toISOString(),
    };
    this.emit('messages', [message]);
  }

  private replace(entry: OutboxEntry): void {
    this.outbox = this.outbox.map((held) => (held.clientId === entry.clientId ? entry : held));
    this.emit('outbox', [...this.outbox]);
  }
}

/** The @n8n/chat rule: `output ?? text ?? message`, a `{type: 'text', text}` object's text, else the JSON itself. */
function answerText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return String(body);
  const record = body as Record<string, unknown>;
  const value = record['output'] ?? record['text'] ?? record['message'];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['text'] === 'string') {
    return String((value as Record<string, unknown>)['text']);
  }
  return Object.keys(record).length > 0 ? JSON.stringify(body, null, 2) : '';
}
