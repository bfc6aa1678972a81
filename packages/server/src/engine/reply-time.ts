import type { Db } from '../store/database.js';

/** How far back the expected reply time looks (docs/async-mode.md). */
export const REPLY_TIME_WEEKS = 4;
/** Fewer first responses than this in the window: no figure (null) rather than one from a handful of chats. */
export const REPLY_TIME_MIN_SAMPLES = 5;
/** How long a computed figure is served before the database is asked again (it is read on every presence frame). */
export const REPLY_TIME_CACHE_MS = 5 * 60_000;

const WEEK_MS = 7 * 86_400_000;

/** Whose first responses: a team's (across its widgets), else one widget's (a widget routed to every agent). */
export interface ReplyTimeScope {
  readonly widgetId: string;
  readonly teamId: string | null;
  /** Count only the time within business hours (the widget has them): `first_response_bh_s` instead of the wall clock. */
  readonly businessHours: boolean;
}

/**
 * The expected time to a human's first reply, from history rather than a hand-typed "typically replies in": the
 * median (nearest rank) of the first-response times of the conversations started in the last REPLY_TIME_WEEKS weeks,
 * read from the reports' per-conversation rows (report_conversations, written by the reports recorder; the hourly
 * rollups hold sums only, which give a mean but no median and no team). The median, not the mean: one conversation
 * answered after a weekend must not move the figure a visitor reads. Conversations nobody answered yet are not
 * counted (they have no first response).
 *
 * Cached per scope for REPLY_TIME_CACHE_MS: every node computes the same figure from the same rows, so nodes agree
 * within that staleness without sharing memory.
 */
export class ReplyTimes {
  private readonly cache = new Map<string, { readonly at: number; readonly value: Promise<number | null> }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = REPLY_TIME_CACHE_MS,
  ) {}

  /** Milliseconds, or null with fewer than REPLY_TIME_MIN_SAMPLES first responses in the window. */
  typicalMs(scope: ReplyTimeScope): Promise<number | null> {
    const key = `${scope.teamId === null ? `w:${scope.widgetId}` : `t:${scope.teamId}`} ${scope.businessHours ? 'bh' : 'wall'}`;
    const at = this.now();
    const cached = this.cache.get(key);
    if (cached !== undefined && at - cached.at < this.ttlMs) return cached.value;
    const value = this.compute(scope, at).catch((error: unknown) => {
      // A failed read is not cached: the next frame asks again.
      this.cache.delete(key);
      throw error;
    });
    this.cache.set(key, { at, value });
    return value;
  }

  private async compute(scope: ReplyTimeScope, at: number): Promise<number | null> {
    const column = scope.businessHours ? 'first_response_bh_s' : 'first_response_s';
    const since = new Date(at - REPLY_TIME_WEEKS * WEEK_MS).toISOString();
    const base = this.db
      .selectFrom('report_conversations')
      .where(column, 'is not', null)
      .where('started_at', '>=', since)
      .where((eb) => (scope.teamId === null ? eb('widget_id', '=', scope.widgetId) : eb('team_id', '=', scope.teamId)));
    const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
    const count = Number(counted?.n ?? 0);
    if (count < REPLY_TIME_MIN_SAMPLES) return null;
    // Nearest rank: the value at rank ⌈n/2⌉ of the sorted values (as the reports' medians), read at its offset.
    const row = await base
      .select(column)
      .orderBy(column)
      .limit(1)
      .offset(Math.ceil(count / 2) - 1)
      .executeTakeFirst();
    const seconds = row?.[column];
    return seconds === undefined || seconds === null ? null : Number(seconds) * 1000;
  }
}
