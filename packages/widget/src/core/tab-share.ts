import type { SessionCreated } from '@parley/protocol';
import type { ChatSource, SourceContext, SourceEvents } from './chat-source.js';
import { createClientId, Emitter } from '@parley/client';
import type { Persisted, PersistStore } from './persist.js';

/** UI state every tab of the visitor mirrors: open or closed, the unsent draft, what was seen. */
export type UiPatch = Partial<Pick<Persisted, 'open' | 'draft' | 'seenSeq' | 'done' | 'language'>>;

export type ShareEvents = SourceEvents & { ui: UiPatch; leader: boolean };

type Command = 'send' | 'retry' | 'typing' | 'markRead' | 'restart' | 'ensureSession' | 'adopt';

type Note =
  | { readonly k: 'ev'; readonly e: keyof SourceEvents; readonly p: unknown }
  | { readonly k: 'cmd'; readonly c: Command; readonly a: readonly unknown[]; readonly rid: string }
  | { readonly k: 'did'; readonly rid: string }
  | { readonly k: 'lead' }
  | { readonly k: 'hello' }
  | { readonly k: 'ui'; readonly p: UiPatch };

/** Events that change what is stored: the leader persists them before it tells anyone. */
const LIVE_EVENTS: readonly (keyof SourceEvents)[] = [
  'messages',
  'outbox',
  'typing',
  'read',
  'stream',
  'status',
  'presence',
  'state',
  'session',
  'reset',
];

/**
 * A batch of messages (a backlog, a resumed conversation) is passed on newest first, this many a task: the
 * first task stores, shares and renders what a short conversation's does whatever the backlog's length (a
 * thousand at once was one long task on the host page: storing, cloning to the other tabs, merging), and the
 * older ones follow a slice per task. What is held stays one run of messages up to the newest, so storage and
 * every tab can resume from lastSeq, or load the older ones from the server, at any point.
 */
const SLICE = 50;

/** Live state a new tab cannot read from storage. */
const REPLAYED: readonly (keyof SourceEvents)[] = ['state', 'status', 'presence', 'outbox'];

/**
 * One realtime connection per browser and widget: the tab holding the Web Lock leads, runs the real
 * source and relays its events over a BroadcastChannel; the others send their commands to it. When
 * the leader closes, the lock passes to the next tab, which resumes from what the leader stored
 * (lastSeq, outbox); commands a follower sent but the leader never confirmed are sent again to the
 * new leader, so nothing typed is lost. Without Web Locks or BroadcastChannel every tab leads alone.
 */
export class TabShare extends Emitter<ShareEvents> implements ChatSource {
  private source: ChatSource | undefined;
  private channel: BroadcastChannel | undefined;
  private release: (() => void) | undefined;
  private closed = false;
  private readonly pending = new Map<string, Note & { k: 'cmd' }>();
  private readonly last = new Map<keyof SourceEvents, unknown>();
  /** Counts resets and the close: older slices of a batch from before one are not passed on. */
  private era = 0;

  constructor(
    private readonly name: string,
    private readonly store: PersistStore,
    private readonly create: (context: SourceContext) => ChatSource,
    /** The visitor as the page describes them now (the campaigns extra reads it too). */
    readonly profile: SourceContext['profile'],
  ) {
    super();
  }

  get leading(): boolean {
    return this.source !== undefined;
  }

  start(): void {
    const locks = typeof navigator === 'object' ? navigator.locks : undefined;
    if (typeof BroadcastChannel !== 'function' || locks === undefined) return this.lead();
    this.channel = new BroadcastChannel(this.name);
    this.channel.onmessage = (event: MessageEvent<Note>) => this.onNote(event.data);
    void locks
      .request(this.name, () => {
        if (this.closed) return undefined;
        this.lead();
        return new Promise<void>((release) => (this.release = release));
      })
      .catch(() => this.lead());
    this.post({ k: 'hello' });
  }

  send(text: string): void {
    // The key is made here, in the tab that asks, so a send that reaches two leaders (one dying, the next) is one message.
    this.command('send', [text, createClientId()]);
  }
  retry(clientId: string): void {
    this.command('retry', [clientId]);
  }
  typing(active: boolean): void {
    this.command('typing', [active]);
  }
  markRead(seq: number): void {
    this.command('markRead', [seq]);
  }
  async restart(): Promise<void> {
    this.command('restart', []);
  }
  ensureSession(): void {
    this.command('ensureSession', []);
  }
  /** Another conversation's session (the conversations extra): the leader switches, every tab follows its events. */
  adopt(created: SessionCreated): void {
    this.command('adopt', [created]);
  }

  /** Shares a UI change with the other tabs (and stores it for the next page load). */
  shareUi(patch: UiPatch): void {
    this.store.update(() => patch);
    this.post({ k: 'ui', p: patch });
  }

  close(): void {
    this.closed = true;
    this.era++;
    this.source?.close();
    this.source = undefined;
    this.release?.();
    this.channel?.close();
  }

  private lead(): void {
    if (this.closed || this.source !== undefined) return;
    const stored = this.store.read();
    const source = this.create({ profile: this.profile, session: stored.session, lastSeq: stored.lastSeq, outbox: stored.outbox });
    this.source = source;
    for (const event of LIVE_EVENTS) source.on(event, (payload) => this.relay(event, payload));
    this.emit('leader', true);
    source.start();
    // What this tab asked before it got the lead had no leader to run it (a send before the lock was granted, or
    // one the leader that just left never confirmed). Running a send again is safe: its key was made here.
    const asked = [...this.pending.values()];
    this.pending.clear();
    for (const { c, a } of asked) this.run(c, a);
    this.post({ k: 'lead' });
  }

  private relay<K extends keyof SourceEvents>(event: K, payload: SourceEvents[K]): void {
    const batch: unknown = payload;
    if (event === 'reset') this.era++;
    if (event === 'messages' && (batch as SourceEvents['messages']).length > SLICE) {
      const era = this.era;
      const messages = batch as SourceEvents['messages'];
      setTimeout(() => {
        if (era === this.era) this.relay('messages', messages.slice(0, -SLICE));
      });
      return this.relay('messages', messages.slice(-SLICE));
    }
    this.persist(event, payload);
    this.last.set(event, payload);
    this.emit(event, payload as ShareEvents[K]);
    this.post({ k: 'ev', e: event, p: payload });
  }

  private persist<K extends keyof SourceEvents>(event: K, payload: SourceEvents[K]): void {
    const value: unknown = payload;
    if (event === 'messages') this.store.appendMessages(value as SourceEvents['messages']);
    else if (event === 'outbox') this.store.update(() => ({ outbox: value as SourceEvents['outbox'] }));
    else if (event === 'session') this.store.update(() => ({ session: value as SourceEvents['session'] }));
    else if (event === 'reset') this.store.update(() => ({ messages: [], lastSeq: 0, seenSeq: 0, done: [] }));
  }

  private command(c: Command, a: readonly unknown[]): void {
    if (this.source !== undefined) return this.run(c, a);
    const note = { k: 'cmd', c, a, rid: Math.random().toString(36).slice(2) } as const;
    // Typing and read cursors are not worth resending to a new leader; messages and restarts are.
    if (c !== 'typing' && c !== 'markRead') this.pending.set(note.rid, note);
    this.post(note);
  }

  private run(c: Command, a: readonly unknown[]): void {
    const source = this.source;
    if (source === undefined) return;
    const [first, second] = a;
    if (c === 'send' && typeof first === 'string') {
      if (typeof second === 'string' && this.holds(second)) return;
      source.send(first, typeof second === 'string' ? second : undefined);
    } else if (c === 'retry' && typeof first === 'string') source.retry(first);
    else if (c === 'typing' && typeof first === 'boolean') source.typing(first);
    else if (c === 'markRead' && typeof first === 'number') source.markRead(first);
    else if (c === 'restart') void source.restart();
    else if (c === 'ensureSession') source.ensureSession?.();
    else if (c === 'adopt') source.adopt?.(first as SessionCreated);
  }

  /** Whether a message with this key is stored already, sent or queued (a leader before this one ran it). */
  private holds(clientId: string): boolean {
    const { messages, outbox } = this.store.read();
    return outbox.some((entry) => entry.clientId === clientId) || messages.some((message) => message.clientId === clientId);
  }

  private onNote(note: Note): void {
    switch (note.k) {
      case 'ev':
        // Events are only relayed by the leader, which persisted them already.
        return this.emit(note.e, note.p as never);
      case 'cmd':
        if (this.source === undefined) return;
        this.run(note.c, note.a);
        return this.post({ k: 'did', rid: note.rid });
      case 'did':
        this.pending.delete(note.rid);
        return;
      case 'lead':
        // A new leader: what it never confirmed to us may have died with the old one.
        for (const pending of this.pending.values()) this.post(pending);
        return;
      case 'hello':
        // A new tab: it reads messages from storage, and needs the live state only the leader knows.
        if (this.source === undefined) return;
        for (const event of REPLAYED) if (this.last.has(event)) this.post({ k: 'ev', e: event, p: this.last.get(event) });
        return;
      case 'ui':
        return this.emit('ui', note.p);
    }
  }

  private post(note: Note): void {
    this.channel?.postMessage(note);
  }
}
