import type { BusLog } from '../bus/bus.js';
import { outboundPost, type Resolve } from '../outbound/index.js';
import type { Db } from '../store/database.js';
import { newId } from '../store/ids.js';
import { webhookSignature } from './signing.js';
import { signingSecrets } from './webhook-subscriptions.js';
import { webhooksStore as store, type DeliveryRow } from './webhooks-store.js';

export interface WorkerTimings {
  /** How often an idle worker looks for due deliveries (a local event nudges it sooner). */
  readonly pollMs: number;
  /** How long a node holds a delivery it is sending; past it (the node died) another node sends it. */
  readonly leaseMs: number;
  /** One attempt's deadline: connecting, the answer and its body. */
  readonly timeoutMs: number;
  /** Retries stop this long after the event; the delivery is then `failed`. */
  readonly retryWindowMs: number;
  /** The first retry's delay; each next one doubles, up to maxDelayMs, ±20 % jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** After this many failed attempts in a row the endpoint's circuit opens: no attempt until it closes. */
  readonly circuitThreshold: number;
  /** How long it stays open the first time (doubling with each failed probe, up to maxDelayMs). */
  readonly circuitOpenMs: number;
  /** How long the delivery log is kept. */
  readonly retentionMs: number;
  /** How long close() lets deliveries on their way finish before it aborts them (their lease is released). */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_TIMINGS: WorkerTimings = {
  pollMs: 1000,
  leaseMs: 60_000,
  timeoutMs: 15_000,
  retryWindowMs: 24 * 3_600_000,
  baseDelayMs: 5000,
  maxDelayMs: 3_600_000,
  circuitThreshold: 5,
  circuitOpenMs: 60_000,
  retentionMs: 30 * 86_400_000,
  shutdownGraceMs: 5000,
};

export interface WorkerOptions {
  readonly db: Db;
  readonly log: BusLog & { info(details: object, message: string): void };
  /** PostgreSQL: several nodes share the work (row locks, SKIP LOCKED); SQLite has one node. */
  readonly shared: boolean;
  readonly allowPrivate: boolean;
  readonly timings?: Partial<WorkerTimings>;
  readonly resolve?: Resolve;
  readonly userAgent: string;
  /** The gone endpoint's subscription disables itself (and every node's view is told). */
  readonly disableGone: (subscriptionId: string) => Promise<void>;
  /** False when no subscription is enabled: nothing can be due, so a tick reads nothing (the view says, from memory). */
  readonly anySubscribed: () => boolean;
  readonly random?: () => number;
}

const RESPONSE_KEPT = 1024;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 500;
const SUBSCRIPTIONS_PER_CLAIM = 20;

interface Outcome {
  readonly status: number | null;
  readonly error: string | null;
  readonly body: string;
  readonly retryAfterMs: number | null;
}

/**
 * Sends the outbox. Each tick claims, in one short transaction, the heads of the due endpoints'
 * queues — in id order, one at a time per order key (the whole endpoint when its maxInFlight is 1),
 * at most maxInFlight per endpoint — leases them and sends them outside the transaction, signed the
 * Standard Webhooks way. On PostgreSQL the endpoints' rows are locked FOR UPDATE SKIP LOCKED while
 * claiming, so nodes split the endpoints and never claim the same delivery twice.
 */
export class DeliveryWorker {
  private readonly timings: WorkerTimings;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly aborter = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private lastPrune = 0;

  constructor(private readonly options: WorkerOptions) {
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look soon: something was enqueued or a delivery finished. */
  nudge(): void {
    if (this.stopped) return;
    if (this.ticking !== undefined) this.again = true;
    else this.schedule(20);
  }

  /** Stops claiming, lets deliveries on their way finish for a grace period, aborts the rest (releasing them). */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const grace = setTimeout(() => this.aborter.abort(), this.timings.shutdownGraceMs);
    await Promise.all([...this.inFlight]);
    clearTimeout(grace);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  /** One claim round; exposed for tests that drive the worker step by step. */
  tick(): Promise<void> {
    // Cleared in `finally`, which always runs after this assignment (a round may finish without awaiting).
    this.ticking ??= this.round().finally(() => {
      this.ticking = undefined;
      if (!this.stopped) this.schedule(this.timings.pollMs);
    });
    return this.ticking;
  }

  private async round(): Promise<void> {
    try {
      do {
        this.again = false;
        // A server nobody subscribed to opens no transaction every poll.
        if (this.options.anySubscribed()) await this.claimAndSend();
      } while (this.again && !this.stopped);
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
    } catch (error) {
      this.options.log.warn({ err: error }, 'the webhook worker could not read its outbox; it tries again');
    }
  }

  private async claimAndSend(): Promise<void> {
    const now = new Date().toISOString();
    const leaseUntil = new Date(Date.now() + this.timings.leaseMs).toISOString();
    const claimed = await this.options.db.transaction().execute(async (trx) => {
      const leased: DeliveryRow[] = [];
      for (const endpoint of await store.dueSubscriptions(trx, now, SUBSCRIPTIONS_PER_CLAIM, this.options.shared)) {
        // A failing endpoint gets one probe at a time (half-open) until it answers again.
        const limit = Number(endpoint.consecutive_failures) >= this.timings.circuitThreshold ? 1 : Number(endpoint.max_in_flight);
        const queue = await store.pendingQueue(trx, endpoint.id);
        let free = limit - queue.filter((d) => d.locked_until !== null && d.locked_until > now).length;
        const heads = new Set<string>();
        const picked: string[] = [];
        for (const delivery of queue) {
          if (free <= 0) break;
          const key = Number(endpoint.max_in_flight) === 1 ? '*' : delivery.order_key;
          if (heads.has(key)) continue;
          heads.add(key);
          const leasable = delivery.locked_until === null || delivery.locked_until <= now;
          if (leasable && delivery.next_attempt_at !== null && delivery.next_attempt_at <= now) {
            picked.push(delivery.id);
            free--;
          }
        }
        leased.push(...(await store.lease(trx, picked, leaseUntil)));
      }
      return leased;
    });
    for (const delivery of claimed) {
      const sending: Promise<void> = this.send(delivery)
        .catch((error: unknown) =>
          this.options.log.warn({ err: error, deliveryId: delivery.id }, 'a webhook delivery could not be recorded'),
        )
        .finally(() => {
          this.inFlight.delete(sending);
          this.nudge();
        });
      this.inFlight.add(sending);
    }
  }

  private async send(delivery: DeliveryRow): Promise<void> {
    const { db } = this.options;
    const endpoint = await store.getSubscription(db, delivery.subscription_id);
    if (endpoint === undefined) return;
    if (endpoint.enabled === 0) return store.release(db, delivery.id);
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = webhookSignature(signingSecrets(endpoint, new Date().toISOString()), delivery.event_id, timestamp, delivery.payload);
    const started = performance.now();
    const outcome = await this.post(endpoint.url, delivery, timestamp, signature);
    if (outcome === 'aborted') return store.release(db, delivery.id);
    const latencyMs = Math.round(performance.now() - started);
    await this.record(delivery, endpoint.id, Number(endpoint.consecutive_failures), outcome, latencyMs);
  }

  private async post(url: string, delivery: DeliveryRow, timestamp: number, signature: string): Promise<Outcome | 'aborted'> {
    try {
      const response = await outboundPost({
        url,
        body: delivery.payload,
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          'webhook-id': delivery.event_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        signal: AbortSignal.any([AbortSignal.timeout(this.timings.timeoutMs), this.aborter.signal]),
        allowPrivateNetwork: this.options.allowPrivate,
        maxBytes: 64 * 1024,
        ...(this.options.resolve === undefined ? {} : { resolve: this.options.resolve }),
      });
      const body = await response.text().catch(() => '');
      return {
        status: response.status,
        error: null,
        body: body.slice(0, RESPONSE_KEPT),
        retryAfterMs: retryAfter(response.headers.get('retry-after')),
      };
    } catch (error) {
      if (this.aborter.signal.aborted) return 'aborted';
      const message = error instanceof Error ? describe(error) : String(error);
      return { status: null, error: message.slice(0, RESPONSE_KEPT), body: '', retryAfterMs: null };
    }
  }

  private async record(
    delivery: DeliveryRow,
    subscriptionId: string,
    failuresBefore: number,
    outcome: Outcome,
    latencyMs: number,
  ): Promise<void> {
    const now = Date.now();
    const nowIso = new Date(now).toISOString();
    const attempt = Number(delivery.attempts) + 1;
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const gone = outcome.status === 410;
    let next: string | null = null;
    if (!ok) {
      const backoff =
        Math.min(this.timings.maxDelayMs, this.timings.baseDelayMs * 2 ** (attempt - 1)) *
        (0.8 + 0.4 * (this.options.random ?? Math.random)());
      const delay = Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, this.timings.maxDelayMs));
      if (now + delay - Date.parse(delivery.created_at) <= this.timings.retryWindowMs) next = new Date(now + delay).toISOString();
    }
    const failures = ok ? 0 : failuresBefore + 1;
    await this.options.db.transaction().execute(async (trx) => {
      await store.insertAttempt(trx, {
        id: newId('wha'),
        delivery_id: delivery.id,
        attempt,
        status_code: outcome.status,
        error: outcome.error,
        latency_ms: latencyMs,
        response_body: outcome.body,
        created_at: nowIso,
      });
      await store.updateDelivery(trx, delivery.id, {
        status: ok ? 'delivered' : next === null ? 'failed' : 'pending',
        attempts: attempt,
        last_status: outcome.status,
        next_attempt_at: next,
        locked_until: null,
        updated_at: nowIso,
        ...(ok ? { delivered_at: nowIso } : {}),
      });
      if (ok && failuresBefore === 0) return;
      const opens = failures >= this.timings.circuitThreshold;
      // Doubling while the probes fail, up to the longest retry delay (never shorter than the first opening).
      const openFor = Math.min(
        Math.max(this.timings.maxDelayMs, this.timings.circuitOpenMs),
        this.timings.circuitOpenMs * 2 ** Math.max(0, failures - this.timings.circuitThreshold),
      );
      await trx
        .updateTable('webhook_subscriptions')
        .set({ consecutive_failures: failures, circuit_open_until: opens ? new Date(now + openFor).toISOString() : null })
        .where('id', '=', subscriptionId)
        .execute();
    });
    if (gone) {
      this.options.log.warn({ subscriptionId }, 'a webhook endpoint answered 410 Gone; its subscription is disabled');
      await this.options.disableGone(subscriptionId);
    }
  }

  /** Drops the log older than the retention, in small batches that never hold the database for long. */
  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const cutoff = new Date(Date.now() - this.timings.retentionMs).toISOString();
    while (!this.stopped && (await store.prune(this.options.db, cutoff, PRUNE_BATCH)) > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfter(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describe(error: Error): string {
  const code = 'code' in error ? error.code : undefined;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'No answer in time.';
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
