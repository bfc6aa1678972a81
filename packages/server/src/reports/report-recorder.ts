import type { FastifyBaseLogger } from 'fastify';
import { SqliteAdapter, sql } from 'kysely';
import type { BusinessHours, Message, ReportEventType } from '@parley/protocol';
import type { ReportEventInput, ReportEvents } from '../engine/report-events.js';
import type { OwnershipAction, OwnershipState } from '../engine/ownership-state.js';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { onMessageEventFailure, reportEventTypeOf } from '../store/message-events.js';
import type { EventsTable, ReportConversationsTable } from '../store/schema.js';
import { businessMs } from './business-time.js';
import { RollupDeltas, writeRollups } from './report-rollups.js';
import { QUARTER_HOUR_MS } from './report-period.js';

type Fact = Omit<ReportConversationsTable, 'resolved' | 'reopened' | 'rating_commented'> & {
  resolved: number;
  reopened: number;
  rating_commented: number;
};
type Pending =
  | { readonly kind: 'message'; readonly message: Message }
  | {
      readonly kind: 'ownership';
      readonly previous: OwnershipState;
      readonly next: OwnershipState;
      readonly action: OwnershipAction | null;
      readonly at: string;
    }
  | { readonly kind: 'event'; readonly event: ReportEventInput; readonly at: string }
  | { readonly kind: 'widget'; readonly type: ReportEventType; readonly widgetId: string; readonly at: string };

const HOUR_MS = 3_600_000;
/** The figures follow the events within this; a report flushes first, so it never waits for it. */
const FLUSH_DELAY_MS = 200;
const FLUSH_AT_ITEMS = 1000;
/** Rows per multi-row statement: under SQLite's 32,766 parameters and PostgreSQL's 65,535 with room. */
const CHUNK = 500;
/** Conversations whose row and widget this recorder remembers (SQLite): at most this many, oldest forgotten first. */
const KNOWN_ROWS = 20_000;

export interface ReportRecorderOptions {
  readonly db: Db;
  readonly log: FastifyBaseLogger;
  /** The widget's business hours, or null when it sets none. */
  readonly hoursOf: (widgetId: string) => Promise<BusinessHours | null>;
}

/**
 * Keeps the reports' figures as things happen (engine/report-events.ts is the port it implements).
 * Calls only queue; the queue is written every FLUSH_DELAY_MS (sooner past FLUSH_AT_ITEMS), in one
 * transaction — so a burst of messages costs SQLite one more commit, not one per message:
 * the events rows (other than messages', which the message writer stores in the message's own
 * transaction), the per-conversation rows (`report_conversations`), the hourly counts and the hourly
 * rollups (`report_rollups`: each changed conversation row's stored contribution taken away and its new
 * one added, read and written under the row's lock so two nodes writing one conversation stay exact).
 * A failure is logged and never reaches the conversation that caused it.
 */
export class ReportRecorder implements ReportEvents {
  private pending: Pending[] = [];
  /** Public configs served per widget since the last write (widget loads): the config path only increments. */
  private loads = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /**
   * SQLite: conversations whose row this recorder has read or written, and their widget (which never changes).
   * This node is then the rows' only writer: a batch need not read the row of a conversation it only has
   * visitor messages of (see apply).
   */
  private readonly known = new Map<string, KnownRow>();

  constructor(private readonly options: ReportRecorderOptions) {
    onMessageEventFailure((error) => options.log.error({ err: error }, 'could not store a message’s report event; the message is stored'));
  }

  messagesStored(messages: readonly Message[]): void {
    for (const message of messages) this.push({ kind: 'message', message });
  }

  ownershipChanged(previous: OwnershipState, next: OwnershipState, action: OwnershipAction | null, at = nowIso()): void {
    this.push({ kind: 'ownership', previous, next, action, at });
  }

  record(event: ReportEventInput): void {
    this.push({ kind: 'event', event, at: event.at ?? nowIso() });
  }

  /** What only the browser knows (beacons): no conversation yet. */
  recordWidget(type: ReportEventType, widgetId: string): void {
    this.push({ kind: 'widget', type, widgetId, at: nowIso() });
  }

  /**
   * A page fetched the widget's public config (answered 200 or 304): one widget load. Called on the config
   * path, so it only increments a number (no event object, no row): the batch writes the sum per widget
   * into the hourly counts.
   */
  widgetLoaded(widgetId: string): void {
    this.loads.set(widgetId, (this.loads.get(widgetId) ?? 0) + 1);
    if (this.timer === null) this.flushSoon(FLUSH_DELAY_MS);
  }

  /** Writes what is queued; reports call it first so they include what this node just saw. */
  async flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    await this.flushing;
  }

  private push(item: Pending): void {
    this.pending.push(item);
    if (this.pending.length >= FLUSH_AT_ITEMS) {
      this.flushSoon(0);
      return;
    }
    if (this.timer === null) this.flushSoon(FLUSH_DELAY_MS);
  }

  private flushSoon(delay: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    // A report or the server's close flushes what is left; a timer alone keeps no process alive.
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    const loads = this.loads;
    this.pending = [];
    if (batch.length === 0 && loads.size === 0) return;
    this.loads = new Map();
    try {
      const lock = !(this.options.db.getExecutor().adapter instanceof SqliteAdapter);
      const work = await this.apply(batch, loads, lock);
      const { rows, touched } = rowsToWrite(work.facts, work.stored, lock);
      touched.push(...work.visitorsOnly);
      await this.options.db.transaction().execute(async (trx) => {
        for (let i = 0; i < work.events.length; i += CHUNK)
          await trx
            .insertInto('events')
            .values(work.events.slice(i, i + CHUNK))
            .execute();
        // In key order, as every node does: row locks taken in one order wait, never deadlock.
        rows.sort((a, b) => (a.conversation_id < b.conversation_id ? -1 : a.conversation_id > b.conversation_id ? 1 : 0));
        for (let i = 0; i < rows.length; i += CHUNK) await writeFacts(trx, rows.slice(i, i + CHUNK), work.fresh, work.rollups, lock);
        for (let i = 0; i < touched.length; i += CHUNK) await writeLastVisitorAt(trx, touched.slice(i, i + CHUNK));
        const counts = [...work.counts.values()];
        for (let i = 0; i < counts.length; i += CHUNK) {
          await trx
            .insertInto('report_counts')
            .values(counts.slice(i, i + CHUNK))
            .onConflict((oc) =>
              oc.columns(['type', 'widget_id', 'hour']).doUpdateSet((eb) => ({ n: eb('report_counts.n', '+', eb.ref('excluded.n')) })),
            )
            .execute();
        }
        await writeRollups(trx, work.rollups);
      });
      if (!lock) for (const fact of [...work.stored.values(), ...rows]) this.remember(fact);
    } catch (error) {
      this.options.log.error({ err: error, events: batch.length }, 'could not record report events');
    }
  }

  /** The batch, applied in order to the conversations' rows (read once), as rows to write. */
  private async apply(
    batch: readonly Pending[],
    loads: ReadonlyMap<string, number>,
    lock: boolean,
  ): Promise<{
    events: EventsTable[];
    facts: Fact[];
    counts: Map<string, CountRow>;
    fresh: Map<string, Fact>;
    stored: Map<string, Fact>;
    visitorsOnly: LastVisitorAt[];
    rollups: RollupDeltas;
  }> {
    const quick = lock ? new Map<string, KnownRow>() : this.knownWithVisitorsOnly(batch);
    const { facts, fresh, stored } = await this.readFacts([
      ...new Set(batch.flatMap((item) => (item.kind === 'widget' || quick.has(conversationOf(item)) ? [] : [conversationOf(item)]))),
    ]);
    const lastVisitorAt = new Map<string, string>();
    const changed = new Set<Fact>();
    const events: EventsTable[] = [];
    const counts = new Map<string, CountRow>();
    const rollups = new RollupDeltas();
    const count = (type: ReportEventType, widgetId: string, at: string, n = 1): void => {
      rollups.addEvent(type, widgetId, at, n);
      const hour = Math.floor(Date.parse(at) / HOUR_MS);
      for (const widget of [widgetId, '']) {
        const key = `${type} ${widget} ${hour}`;
        const row = counts.get(key);
        if (row === undefined) counts.set(key, { type, widget_id: widget, hour, n });
        else row.n += n;
      }
    };
    // Loads are counted only (an events row each would be a write per page view); they have no team or agent.
    const now = nowIso();
    for (const [widgetId, n] of loads) count('widget_loaded', widgetId, now, n);
    const emit = (type: ReportEventType, fact: Fact, at: string, value: number | null = null, agentId = fact.agent_id): void => {
      events.push({
        id: newId('evt'),
        type,
        at,
        widget_id: fact.widget_id,
        conversation_id: fact.conversation_id,
        contact_id: null,
        team_id: fact.team_id,
        agent_id: agentId,
        bot_id: fact.bot_id,
        message_id: null,
        value,
      });
      count(type, fact.widget_id, at);
    };

    for (const item of batch) {
      if (item.kind === 'widget') {
        events.push({ ...NO_REFERENCES, id: newId('evt'), type: item.type, at: item.at, widget_id: item.widgetId });
        count(item.type, item.widgetId, item.at);
        continue;
      }
      const known = item.kind === 'message' ? quick.get(item.message.conversationId) : undefined;
      if (known !== undefined && item.kind === 'message') {
        // A visitor message of a known row: counted, and while the conversation waits for a human's first answer its
        // time kept if it is the latest (the row is not read).
        const { conversationId, createdAt } = item.message;
        count('visitor_message', known.widgetId, createdAt);
        if (known.answered) continue;
        const latest = lastVisitorAt.get(conversationId);
        if (latest === undefined || createdAt > latest) lastVisitorAt.set(conversationId, createdAt);
        continue;
      }
      const fact = facts.get(conversationOf(item));
      if (fact === undefined) continue;
      changed.add(fact);
      if (item.kind === 'event') {
        if (item.event.botId !== undefined && item.event.botId !== null) fact.bot_id = item.event.botId;
        emit(item.event.type, fact, item.at, null, null);
      } else if (item.kind === 'message') {
        await this.applyMessage(fact, item.message, count, emit);
      } else {
        await this.applyOwnership(fact, item, emit);
      }
    }
    const visitorsOnly = [...lastVisitorAt].map(([conversation_id, last_visitor_at]) => ({ conversation_id, last_visitor_at }));
    return { events, facts: [...changed], counts, fresh, stored, visitorsOnly, rollups };
  }

  /**
   * The conversations of the batch with nothing but visitor messages in it whose row this recorder knows, and
   * their widget: all such a message changes is the row's last visitor time (until a human's first answer), which
   * one update keeps the latest without reading it (writeLastVisitorAt), and the widget's count. (Were the
   * conversation deleted meanwhile, the update finds no row; its messages are counted, as they are when it is
   * deleted after the batch.)
   */
  private knownWithVisitorsOnly(batch: readonly Pending[]): Map<string, KnownRow> {
    const onlyVisitors = new Map<string, boolean>();
    for (const item of batch) {
      if (item.kind === 'widget') continue;
      const id = conversationOf(item);
      const visitor = item.kind === 'message' && messageType(item.message) === 'visitor_message';
      onlyVisitors.set(id, (onlyVisitors.get(id) ?? true) && visitor);
    }
    const quick = new Map<string, KnownRow>();
    for (const [id, only] of onlyVisitors) {
      const known = only ? this.known.get(id) : undefined;
      if (known !== undefined) quick.set(id, known);
    }
    return quick;
  }

  private remember(fact: Fact): void {
    const answered = fact.first_response_at !== null;
    const known = this.known.get(fact.conversation_id);
    if (known !== undefined) {
      if (answered && !known.answered) this.known.set(fact.conversation_id, { widgetId: known.widgetId, answered });
      return;
    }
    if (this.known.size >= KNOWN_ROWS) {
      const oldest = this.known.keys().next();
      if (oldest.done !== true) this.known.delete(oldest.value);
    }
    this.known.set(fact.conversation_id, { widgetId: fact.widget_id, answered });
  }

  private async applyMessage(
    fact: Fact,
    message: Message,
    count: (type: ReportEventType, widgetId: string, at: string) => void,
    emit: (type: ReportEventType, fact: Fact, at: string, value?: number | null, agentId?: string | null) => void,
  ): Promise<void> {
    const at = message.createdAt;
    const type = messageType(message);
    if (type === null) return;
    // The message's own event row is already stored (message writer); here only the figures follow it.
    count(type, fact.widget_id, at);
    if (type === 'bot_answered') fact.bot_id ??= message.author.id;
    else if (type === 'visitor_message') {
      // Read only while the conversation waits for a human's first answer (the abandoned count, the unanswered list):
      // not moved once answered, so that a visitor's messages to an answered conversation write nothing.
      if (fact.first_response_at === null && (fact.last_visitor_at === null || at > fact.last_visitor_at)) fact.last_visitor_at = at;
    } else if (type === 'agent_message') {
      fact.agent_id ??= message.author.id;
      if (fact.first_response_at === null) {
        const since = fact.handoff_at ?? fact.started_at;
        const wall = seconds(Date.parse(at) - Date.parse(since));
        fact.first_response_at = at;
        fact.first_response_s = wall;
        fact.first_response_bh_s = await this.businessSeconds(fact.widget_id, since, at, wall);
        emit('first_human_response', fact, at, wall, message.author.id);
      }
    } else if (type === 'rated') {
      const score = message.payload?.['score'];
      fact.rating = typeof score === 'number' ? score : null;
      fact.rated_at = at;
      const comment = message.payload?.['comment'];
      fact.rating_commented = typeof comment === 'string' && comment !== '' ? 1 : 0;
      fact.rating_message_id = message.id;
    }
  }

  private async applyOwnership(
    fact: Fact,
    change: Extract<Pending, { kind: 'ownership' }>,
    emit: (type: ReportEventType, fact: Fact, at: string, value?: number | null) => void,
  ): Promise<void> {
    const { previous, next, at } = change;
    fact.team_id = next.teamId ?? fact.team_id;
    fact.agent_id = next.assigneeId ?? fact.agent_id;
    if (previous.owner === 'bot' && (next.owner === 'queued' || next.owner === 'human')) {
      fact.handoff_at ??= at;
      emit('handoff_asked', fact, at);
    }
    if (next.owner === 'resolved' && previous.owner !== 'resolved') {
      const wall = seconds(Date.parse(at) - Date.parse(fact.started_at));
      fact.resolved = 1;
      if (fact.resolved_at === null) {
        fact.resolved_at = at;
        fact.resolution_s = wall;
        fact.resolution_bh_s = await this.businessSeconds(fact.widget_id, fact.started_at, at, wall);
      }
      emit('resolved', fact, at, wall);
    }
    if (previous.owner === 'resolved' && next.owner !== 'resolved') {
      fact.resolved = 0;
      fact.reopened += 1;
      emit('reopened', fact, at);
    }
  }

  private async businessSeconds(widgetId: string, from: string, to: string, wall: number): Promise<number> {
    const hours = await this.options.hoursOf(widgetId).catch(() => null);
    return hours === null ? wall : seconds(businessMs(hours, Date.parse(from), Date.parse(to)));
  }

  /**
   * The conversations' rows; a conversation without one yet gets a fresh row from the conversation itself
   * (also in `fresh`, as it was before this batch changed it); the others are also in `stored`, as they were read.
   */
  private async readFacts(
    ids: readonly string[],
  ): Promise<{ facts: Map<string, Fact>; fresh: Map<string, Fact>; stored: Map<string, Fact> }> {
    const facts = new Map<string, Fact>();
    const fresh = new Map<string, Fact>();
    const stored = new Map<string, Fact>();
    const { db } = this.options;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = await db.selectFrom('report_conversations').selectAll().where('conversation_id', 'in', chunk).execute();
      for (const row of rows) {
        const fact = {
          ...row,
          resolved: Number(row.resolved),
          reopened: Number(row.reopened),
          rating_commented: Number(row.rating_commented),
        };
        stored.set(row.conversation_id, { ...fact });
        facts.set(row.conversation_id, fact);
      }
      const missing = chunk.filter((id) => !facts.has(id));
      if (missing.length === 0) continue;
      const conversations = await db
        .selectFrom('conversations')
        .select(['id', 'widget_id', 'created_at'])
        .where('id', 'in', missing)
        .execute();
      for (const conversation of conversations) {
        const row = freshFact(conversation.id, conversation.widget_id, conversation.created_at);
        fresh.set(conversation.id, { ...row });
        facts.set(conversation.id, row);
      }
    }
    return { facts, fresh, stored };
  }
}

interface CountRow {
  type: string;
  widget_id: string;
  hour: number;
  n: number;
}

const NO_REFERENCES = {
  conversation_id: null,
  contact_id: null,
  team_id: null,
  agent_id: null,
  bot_id: null,
  message_id: null,
  value: null,
};

function conversationOf(item: Exclude<Pending, { kind: 'widget' }>): string {
  if (item.kind === 'message') return item.message.conversationId;
  if (item.kind === 'ownership') return item.next.conversationId;
  return item.event.conversationId;
}

export function freshFact(conversationId: string, widgetId: string, startedAt: string): Fact {
  return {
    conversation_id: conversationId,
    widget_id: widgetId,
    team_id: null,
    agent_id: null,
    bot_id: null,
    started_at: startedAt,
    started_bucket: Math.floor(Date.parse(startedAt) / QUARTER_HOUR_MS),
    handoff_at: null,
    first_response_at: null,
    first_response_s: null,
    first_response_bh_s: null,
    resolved_at: null,
    resolution_s: null,
    resolution_bh_s: null,
    resolved: 0,
    reopened: 0,
    last_visitor_at: null,
    rating: null,
    rated_at: null,
    rating_commented: 0,
    rating_message_id: null,
  };
}

/** The event a committed message is (store/message-events.ts's rule, on the message as the engine shows it). */
function messageType(message: Message): ReportEventType | null {
  return reportEventTypeOf(message.author.role, message.type, () => message.payload?.['event'] === 'rating');
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));

const FACT_KEYS = Object.keys(freshFact('', '', '1970-01-01T00:00:00.000Z')) as (keyof Fact)[];

/**
 * What a batch writes of the conversations' rows it changed. A message that changes nothing the rollups count
 * (a visitor's message: only the time of the last one; an agent's after the first response: nothing) is most
 * messages: a row whose only change is `last_visitor_at` is written by one update of that column
 * (`touched`), one the batch left as it was read is not written at all; the others take the full merge
 * (`rows`: read, merged, read back, the rollups moved). On PostgreSQL (`lock`) touched rows take the full merge
 * too: every row a batch writes is locked in key order there, which one update of many rows would not keep.
 */
function rowsToWrite(
  changed: readonly Fact[],
  stored: ReadonlyMap<string, Fact>,
  lock: boolean,
): { rows: Fact[]; touched: LastVisitorAt[] } {
  const rows: Fact[] = [];
  const touched: LastVisitorAt[] = [];
  for (const fact of changed) {
    const before = stored.get(fact.conversation_id);
    // Not in the table yet: inserted as it started, then merged.
    if (before === undefined) {
      rows.push(fact);
      continue;
    }
    const change = changeOf(before, fact);
    if (change === 'row' || (change === 'last_visitor_at' && lock)) rows.push(fact);
    else if (change === 'last_visitor_at') touched.push(fact);
  }
  return { rows, touched };
}

function changeOf(before: Fact, after: Fact): 'none' | 'last_visitor_at' | 'row' {
  let change: 'none' | 'last_visitor_at' = 'none';
  for (const key of FACT_KEYS) {
    if (before[key] === after[key]) continue;
    if (key !== 'last_visitor_at') return 'row';
    change = 'last_visitor_at';
  }
  return change;
}

/**
 * The last visitor message's time of rows that changed in nothing else, in one statement (the rollups do not
 * count it: nothing to move there). Kept the latest, as the full merge does.
 */
type LastVisitorAt = Pick<Fact, 'conversation_id' | 'last_visitor_at'>;

/** A conversation whose row this recorder knows: its widget, and whether a human has answered it (its first response). */
interface KnownRow {
  readonly widgetId: string;
  readonly answered: boolean;
}

async function writeLastVisitorAt(db: Db, rows: readonly LastVisitorAt[]): Promise<void> {
  const values = sql.join(rows.map((row) => sql`(${row.conversation_id}, ${row.last_visitor_at})`));
  await sql`with v(id, at) as (values ${values})
    update report_conversations set last_visitor_at = v.at from v
    where report_conversations.conversation_id = v.id
      and (report_conversations.last_visitor_at is null or report_conversations.last_visitor_at < v.at)`.execute(db);
}

/**
 * Several nodes may write one conversation's row: first times keep the first value, the last visitor
 * message the latest, the rest the newest write.
 */
const first = <C extends keyof Fact & string>(column: C) =>
  sql<Fact[C]>`coalesce(${sql.ref(`report_conversations.${column}`)}, ${sql.ref(`excluded.${column}`)})`;
const latest = <C extends keyof Fact & string>(column: C) =>
  sql<Fact[C]>`coalesce(${sql.ref(`excluded.${column}`)}, ${sql.ref(`report_conversations.${column}`)})`;

/**
 * Writes the conversations' rows and moves their contributions in the rollups: a conversation new to the
 * table is first inserted as it started (its start counted), then every row is read under its lock (PostgreSQL;
 * SQLite has one writer), merged (upsertFacts) and read back: the rollups lose the stored row and gain the
 * merged one, whatever another node wrote in between.
 */
async function writeFacts(
  db: Db,
  rows: readonly Fact[],
  fresh: ReadonlyMap<string, Fact>,
  rollups: RollupDeltas,
  lock: boolean,
): Promise<void> {
  const started = rows.flatMap((row) => {
    const original = fresh.get(row.conversation_id);
    return original === undefined ? [] : [original];
  });
  if (started.length > 0) {
    const inserted = await db
      .insertInto('report_conversations')
      .values(started)
      .onConflict((oc) => oc.column('conversation_id').doNothing())
      .returning('conversation_id')
      .execute();
    const ids = new Set(inserted.map((row) => row.conversation_id));
    for (const row of started) if (ids.has(row.conversation_id)) rollups.addFact(row, 1);
  }
  const ids = rows.map((row) => row.conversation_id);
  const before = await db
    .selectFrom('report_conversations')
    .selectAll()
    .where('conversation_id', 'in', ids)
    .$if(lock, (q) => q.forUpdate())
    .execute();
  for (const row of before) rollups.addFact(row, -1);
  const after = await upsertFacts(db, rows);
  for (const row of after) rollups.addFact(row, 1);
}

async function upsertFacts(db: Db, rows: readonly Fact[]) {
  return db
    .insertInto('report_conversations')
    .values([...rows])
    .onConflict((oc) =>
      oc.column('conversation_id').doUpdateSet({
        team_id: latest('team_id'),
        agent_id: latest('agent_id'),
        bot_id: latest('bot_id'),
        handoff_at: first('handoff_at'),
        first_response_at: first('first_response_at'),
        first_response_s: first('first_response_s'),
        first_response_bh_s: first('first_response_bh_s'),
        resolved_at: first('resolved_at'),
        resolution_s: first('resolution_s'),
        resolution_bh_s: first('resolution_bh_s'),
        resolved: sql<number>`excluded.resolved`,
        reopened: sql<number>`excluded.reopened`,
        last_visitor_at: sql<
          string | null
        >`case when report_conversations.last_visitor_at is null or excluded.last_visitor_at > report_conversations.last_visitor_at
          then excluded.last_visitor_at else report_conversations.last_visitor_at end`,
        rating: latest('rating'),
        rated_at: latest('rated_at'),
        rating_commented: sql<number>`case when excluded.rated_at is not null then excluded.rating_commented else report_conversations.rating_commented end`,
        rating_message_id: latest('rating_message_id'),
      }),
    )
    .returningAll()
    .execute();
}
