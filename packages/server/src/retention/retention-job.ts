import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { SYSTEM_ACTOR, type AuditLog } from '../audit/index.js';
import type { Db } from '../store/database.js';
import type { WidgetService } from '../widgets/widget-service.js';
import { nowIso } from '../store/ids.js';

/** Counts only: what a log line, an audit entry and the preview may carry. */
export interface RetentionCounts {
  conversations: number;
  messages: number;
  files: number;
}

/** One widget's rule: conversations idle for `days` go. `widgetId` null: conversations whose widget was deleted. */
export interface RetentionRule {
  readonly widgetId: string | null;
  readonly widgetName: string | null;
  /** null: this widget keeps its conversations. */
  readonly days: number | null;
  /** Where `days` comes from: the widget's (or its blueprint's) retentionDays, or PARLEY_RETENTION_DAYS. */
  readonly source: 'widget' | 'installation' | null;
}

export interface RetentionPreviewItem extends RetentionRule, RetentionCounts {
  /** Conversations whose last activity is before this go now; null when the widget keeps them. */
  readonly cutoff: string | null;
}

export interface RetentionTimings {
  /** Between runs (default an hour). */
  readonly intervalMs: number;
  /** The first run after start: this plus up to as much again at random, so nodes started together do not all try at once. */
  readonly startDelayMs: number;
  /** How long the lease lasts without renewal; renewed at a third of it while a run goes on. */
  readonly leaseMs: number;
}

export const DEFAULT_RETENTION_TIMINGS: RetentionTimings = { intervalMs: 3_600_000, startDelayMs: 60_000, leaseMs: 300_000 };

/** Conversations looked up and erased at a time (the eraser also commits in batches of this size). */
export const RETENTION_BATCH = 200;

export interface RetentionDeps {
  readonly db: Db;
  readonly log: FastifyBaseLogger;
  readonly audit: AuditLog;
  /** PARLEY_RETENTION_DAYS; null: keep conversations unless their widget says otherwise. */
  readonly defaultDays: number | null;
  /** Every widget's id, name and effective retentionDays (its own, else its blueprint's; null: the installation default). */
  readonly widgets: () => Promise<readonly { readonly id: string; readonly name: string; readonly retentionDays: number | null }[]>;
  /** Erases conversations and everything of them: Privacy.eraseConversations (privacy/; its ErasedCounts has these counts and more). */
  readonly erase: (conversationIds: readonly string[]) => Promise<RetentionCounts>;
  readonly timings?: Partial<RetentionTimings>;
  /** The clock (tests move it). */
  readonly now?: () => Date;
}

const LEASE = 'retention';
const DAY_MS = 86_400_000;

/**
 * Deletes conversations whose last activity (conversations.updated_at) is older than their widget's
 * retentionDays, else PARLEY_RETENTION_DAYS, with everything of them (the erasure of privacy/). Runs every
 * hour on one node at a time: the node that takes the lease row (job_leases) runs, renewing it as it goes.
 * Conversations go RETENTION_BATCH at a time, the event loop getting a turn between batches.
 * Hourly report totals (report_counts, report_rollups) are aggregates without any reference to a
 * conversation or person and stay. The audit log is never touched.
 */
export class RetentionJob {
  readonly holder = `node-${randomUUID()}`;
  private readonly timings: RetentionTimings;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;

  constructor(private readonly deps: RetentionDeps) {
    this.timings = { ...DEFAULT_RETENTION_TIMINGS, ...deps.timings };
    this.now = deps.now ?? (() => new Date());
  }

  /** Schedules the first run after the start delay (with jitter), then one every interval. */
  start(): void {
    if (this.closed) return;
    const jitter = Math.floor(Math.random() * this.timings.startDelayMs);
    this.schedule(this.timings.startDelayMs + jitter);
  }

  /** Stops scheduling and waits for a run under way (it stops after its current batch). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.run()
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'retention run failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.closed) this.schedule(this.timings.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** The rules every widget (and deleted widgets' conversations) follow now. */
  async rules(): Promise<RetentionRule[]> {
    const rules: RetentionRule[] = (await this.deps.widgets()).map((widget) => ({
      widgetId: widget.id,
      widgetName: widget.name,
      days: widget.retentionDays ?? this.deps.defaultDays,
      source: widget.retentionDays !== null ? 'widget' : this.deps.defaultDays !== null ? 'installation' : null,
    }));
    rules.push({
      widgetId: null,
      widgetName: null,
      days: this.deps.defaultDays,
      source: this.deps.defaultDays === null ? null : 'installation',
    });
    return rules;
  }

  /** What a run now would delete, per widget: counts only. */
  async preview(): Promise<{ defaultDays: number | null; items: RetentionPreviewItem[] }> {
    const items: RetentionPreviewItem[] = [];
    for (const rule of await this.rules()) {
      const cutoff = this.cutoffOf(rule);
      const counts = cutoff === null ? { conversations: 0, messages: 0, files: 0 } : await this.countDue(rule.widgetId, cutoff);
      items.push({ ...rule, cutoff, ...counts });
    }
    return { defaultDays: this.deps.defaultDays, items };
  }

  /**
   * One run, if this node gets the lease: every due conversation erased, the run logged and audited (counts).
   * Answers the counts, or null when another node holds the lease.
   */
  async run(): Promise<RetentionCounts | null> {
    // No rule in force (nothing can ever be deleted): no lease taken, nothing logged or audited, every hour.
    const rules = await this.rules();
    if (rules.every((rule) => rule.days === null)) return { conversations: 0, messages: 0, files: 0 };
    if (!(await this.takeLease())) return null;
    const started = Date.now();
    const totals: RetentionCounts = { conversations: 0, messages: 0, files: 0 };
    const byWidget: Record<string, number> = {};
    // Renewed on a timer, whatever a batch takes; lost (another node took it after it expired), the run stops after its batch.
    let lostLease = false;
    const renewal = setInterval(
      () => {
        this.renewLease()
          .then((renewed) => {
            if (!renewed) lostLease = true;
          })
          .catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not renew the retention lease'));
      },
      Math.max(10, Math.floor(this.timings.leaseMs / 3)),
    );
    renewal.unref();
    try {
      rules: for (const rule of rules) {
        const cutoff = this.cutoffOf(rule);
        if (cutoff === null) continue;
        for (;;) {
          if (this.closed || lostLease) break rules;
          const ids = await this.dueIds(rule.widgetId, cutoff);
          if (ids.length === 0) break;
          const erased = await this.deps.erase(ids);
          totals.conversations += erased.conversations;
          totals.messages += erased.messages;
          totals.files += erased.files;
          const key = rule.widgetId ?? 'deleted-widgets';
          byWidget[key] = (byWidget[key] ?? 0) + erased.conversations;
          // The event loop gets a turn between batches.
          await new Promise<void>((resolve) => setImmediate(resolve));
          // A batch that removed nothing (erased meanwhile by someone else) must not be selected again for ever.
          if (ids.length < RETENTION_BATCH || erased.conversations === 0) break;
        }
      }
    } finally {
      clearInterval(renewal);
      if (!lostLease) await this.releaseLease();
    }
    const detail = { ...totals, widgets: byWidget, durationMs: Date.now() - started, ...(lostLease ? { stopped: 'lease lost' } : {}) };
    this.deps.log.info({ retention: detail }, 'retention run');
    await this.deps.audit.record({ actor: SYSTEM_ACTOR, action: 'retention.run', targetType: null, targetId: null, detail });
    return totals;
  }

  private cutoffOf(rule: RetentionRule): string | null {
    return rule.days === null ? null : new Date(this.now().getTime() - rule.days * DAY_MS).toISOString();
  }

  private async dueIds(widgetId: string | null, cutoff: string): Promise<string[]> {
    const rows = await this.dueQuery(widgetId, cutoff).select('c.id').orderBy('c.updated_at').limit(RETENTION_BATCH).execute();
    return rows.map((row) => row.id);
  }

  private dueQuery(widgetId: string | null, cutoff: string) {
    const { db } = this.deps;
    const base = db.selectFrom('conversations as c').where('c.updated_at', '<', cutoff);
    return widgetId === null
      ? base.where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('widgets as w').select('w.id').whereRef('w.id', '=', 'c.widget_id'))),
        )
      : base.where('c.widget_id', '=', widgetId);
  }

  private async countDue(widgetId: string | null, cutoff: string): Promise<RetentionCounts> {
    const { db } = this.deps;
    const due = this.dueQuery(widgetId, cutoff).select('c.id');
    const [conversations, messages] = await Promise.all([
      db
        .selectFrom(due.as('d'))
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('messages as m')
        .where('m.conversation_id', 'in', due)
        .select((eb) => [
          eb.fn.countAll<number | string>().as('n'),
          eb.fn.sum<number | string | null>(eb.case().when('m.type', '=', 'file').then(1).else(0).end()).as('files'),
        ])
        .executeTakeFirstOrThrow(),
    ]);
    return { conversations: Number(conversations.n), messages: Number(messages.n), files: Number(messages.files ?? 0) };
  }

  /** Takes the lease when it is free or expired (or already this node's): one UPDATE, the same on both dialects. */
  private async takeLease(): Promise<boolean> {
    const now = Date.now();
    const taken = await this.deps.db
      .updateTable('job_leases')
      .set({ holder: this.holder, expires_at: new Date(now + this.timings.leaseMs).toISOString() })
      .where('name', '=', LEASE)
      .where((eb) => eb.or([eb('expires_at', '<', new Date(now).toISOString()), eb('holder', '=', this.holder)]))
      .returning('name')
      .executeTakeFirst();
    return taken !== undefined;
  }

  private async renewLease(): Promise<boolean> {
    const renewed = await this.deps.db
      .updateTable('job_leases')
      .set({ expires_at: new Date(Date.now() + this.timings.leaseMs).toISOString() })
      .where('name', '=', LEASE)
      .where('holder', '=', this.holder)
      .returning('name')
      .executeTakeFirst();
    return renewed !== undefined;
  }

  private async releaseLease(): Promise<void> {
    await this.deps.db
      .updateTable('job_leases')
      .set({ holder: null, expires_at: nowIso(), last_run_at: nowIso() })
      .where('name', '=', LEASE)
      .where('holder', '=', this.holder)
      .execute();
  }
}

/** Every widget's id, name and effective retentionDays (its own, else its blueprint's), for RetentionDeps.widgets. */
export async function widgetRetention(
  db: Db,
  widgets: Pick<WidgetService, 'resolve'>,
): Promise<{ id: string; name: string; retentionDays: number | null }[]> {
  const rows = await db.selectFrom('widgets').select(['id', 'name']).orderBy('id').execute();
  const out: { id: string; name: string; retentionDays: number | null }[] = [];
  for (const row of rows) out.push({ ...row, retentionDays: (await widgets.resolve(row.id)).effective.retentionDays });
  return out;
}
