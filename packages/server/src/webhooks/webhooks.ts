import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type Page,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryStatus,
  type WebhookEnvelope,
} from '@parley/protocol';
import type { Bus, BusLog } from '../bus/bus.js';
import { ApiError } from '../http/api-error.js';
import type { Resolve } from '../outbound/index.js';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import { DeliveryWorker, type WorkerTimings } from './delivery-worker.js';
import { contactWebhooks } from './contact-webhooks.js';
import { engineWebhooks } from './engine-webhooks.js';
import { WebhookOutbox } from './webhook-outbox.js';
import type { ContactEvents } from '../contacts/contact-events.js';
import type { EngineWebhooks } from '../engine/engine-webhooks.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';
import { webhooksStore as store, type AttemptRow, type DeliveryRow } from './webhooks-store.js';

export interface WebhooksOptions {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: BusLog & { info(details: object, message: string): void };
  readonly dialect: 'sqlite' | 'postgres';
  /** PARLEY_WEBHOOKS_ALLOW_PRIVATE */
  readonly allowPrivate: boolean;
  readonly userAgent: string;
  /** Tests shorten the worker's timings and answer DNS themselves. */
  readonly timings?: Partial<WorkerTimings>;
  readonly resolve?: Resolve;
}

/**
 * Outbound webhooks: subscriptions (admin API), the outbox event sources write to, the delivery
 * worker that sends it, and the delivery log with replay. app.ts builds one, starts it with the
 * server and closes it before the database.
 */
export class Webhooks {
  readonly subscriptions: WebhookSubscriptions;
  readonly outbox: WebhookOutbox;
  readonly worker: DeliveryWorker;
  /** What the engine calls when conversations, messages and ownership change (app.ts: engine.webhooks). */
  readonly engine: EngineWebhooks;
  /** What contacts call when one is created, updated or merged (app.ts: the ContactService's events). */
  readonly contacts: ContactEvents;
  private readonly db: Db;

  constructor(options: WebhooksOptions) {
    this.db = options.db;
    this.subscriptions = new WebhookSubscriptions(options.db, options.bus, options.log, {
      allowPrivate: options.allowPrivate,
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    });
    this.worker = new DeliveryWorker({
      db: options.db,
      log: options.log,
      shared: options.dialect === 'postgres',
      allowPrivate: options.allowPrivate,
      userAgent: options.userAgent,
      disableGone: (id) => this.subscriptions.disableGone(id),
      anySubscribed: () => this.subscriptions.subscribed.any(),
      ...(options.timings === undefined ? {} : { timings: options.timings }),
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    });
    this.outbox = new WebhookOutbox(this.subscriptions.subscribed, () => this.worker.nudge());
    this.engine = engineWebhooks(this.outbox, options.db);
    this.contacts = contactWebhooks(this.outbox);
  }

  async start(): Promise<void> {
    await this.subscriptions.listen();
    this.worker.start();
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  /** Sends `webhook.test` to this subscription (whatever its event types); answers the delivery. */
  async test(subscriptionId: string): Promise<WebhookDelivery> {
    await this.subscriptions.row(subscriptionId);
    const id = await this.outbox.enqueueFor(this.db, subscriptionId, {
      subscriptionId,
      text: 'A test event from Parley: your endpoint received and (we hope) verified it.',
    });
    return toDelivery(await this.delivery(subscriptionId, id));
  }

  async deliveries(
    subscriptionId: string,
    filter: { readonly status?: WebhookDeliveryStatus | undefined; readonly eventType?: string | undefined },
    take: number,
    cursor: string | undefined,
  ): Promise<Page<WebhookDelivery>> {
    await this.subscriptions.row(subscriptionId);
    const rows = await store.deliveriesPage(this.db, subscriptionId, filter, take + 1, cursor);
    const items = rows.slice(0, take).map(toDelivery);
    return { items, nextCursor: rows.length > take ? (items.at(-1)?.id ?? null) : null };
  }

  async deliveryDetail(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
    const row = await this.delivery(subscriptionId, deliveryId);
    return {
      ...toDelivery(row),
      payload: readJson<WebhookEnvelope>(row.payload),
      attemptLog: (await store.attempts(this.db, row.id)).map(toAttempt),
    };
  }

  /** The same event (same webhook-id, same body) once more, at the end of the endpoint's queue. */
  async replay(subscriptionId: string, deliveryId: string): Promise<WebhookDelivery> {
    const original = await this.delivery(subscriptionId, deliveryId);
    const now = nowIso();
    const row: DeliveryRow = {
      ...original,
      id: newId('whd'),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      locked_until: null,
      last_status: null,
      replay_of: original.replay_of ?? original.id,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    };
    await this.db.insertInto('webhook_deliveries').values(row).execute();
    this.worker.nudge();
    return toDelivery(row);
  }

  private async delivery(subscriptionId: string, deliveryId: string): Promise<DeliveryRow> {
    await this.subscriptions.row(subscriptionId);
    const row = await store.getDelivery(this.db, subscriptionId, deliveryId);
    if (row === undefined) {
      throw new ApiError(
        'PARLEY_ERR_WEBHOOK_DELIVERY_NOT_FOUND',
        `The webhook subscription ${subscriptionId} has no delivery ${deliveryId}.`,
      );
    }
    return row;
  }
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  const eventType = WEBHOOK_EVENT_TYPES.find((type) => type === row.event_type) ?? WEBHOOK_TEST_EVENT;
  const status = row.status === 'delivered' || row.status === 'failed' ? row.status : 'pending';
  return {
    id: row.id,
    object: 'webhook_delivery',
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType,
    status,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    replayOf: row.replay_of,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

function toAttempt(row: AttemptRow): WebhookAttempt {
  return {
    id: row.id,
    attempt: Number(row.attempt),
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    latencyMs: Number(row.latency_ms),
    responseBody: row.response_body,
    createdAt: row.created_at,
  };
}
