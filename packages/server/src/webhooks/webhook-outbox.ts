import {
  WEBHOOK_PAYLOAD_VERSION,
  type WebhookData,
  type WebhookEnvelope,
  type WebhookEventType,
  WEBHOOK_TEST_EVENT,
} from '@parley/protocol';
import type { CompiledQuery } from 'kysely';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import type { SubscribedView } from './webhook-subscriptions.js';
import { webhooksStore as store, type OutboxEvent } from './webhooks-store.js';

type EventType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

/** Where an event belongs: its widget (subscriptions' widget filter) and its order key (usually the conversation). */
export interface EventScope {
  /** undefined: asking whether a subscription on any widget wants it (before the widget is read). */
  readonly widgetId: string | null | undefined;
  readonly orderKey: string;
  /** message.created of an agent's private note. */
  readonly note?: boolean;
}

/**
 * The write side of outbound webhooks, for event sources. `enqueue(trx, …)` writes the event's
 * deliveries (one per subscription that wants it) with the executor it is given: pass the transaction
 * that stores the event itself, and the webhook is sent if and only if the event committed — a node
 * that dies between the two cannot lose it, the worker of any node sends it. Called with the plain
 * `db` it is one more statement after the event (what sources without a transaction of their own do).
 *
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await storeTheThing(trx);
 *   await outbox.enqueue(trx, 'conversation.created', { widgetId, orderKey: conversationId }, { conversation });
 * });
 * ```
 *
 * When no enabled subscription wants the event (an in-memory view, refreshed on every node when
 * subscriptions change), nothing at all is written.
 */
export class WebhookOutbox {
  constructor(
    private readonly subscriptions: SubscribedView,
    /** Tells this node's worker to look soon (the caller commits first; the worker polls anyway). */
    private readonly nudge: () => void,
  ) {}

  wants(type: WebhookEventType, scope: EventScope): boolean {
    return this.subscriptions.wants(type, scope.widgetId, scope.note === true);
  }

  async enqueue<T extends WebhookEventType>(trx: Db, type: T, scope: EventScope, data: WebhookData<T>): Promise<void> {
    if (!this.wants(type, scope)) return;
    await store.enqueueQuery(trx, outboxEvent(type, scope, data)).execute();
    this.nudge();
  }

  /**
   * The same rows as `enqueue`, as a compiled statement for a writer that runs it on its own (SQLite's
   * message writer, inside its group commit); `compiler` is any Kysely of the dialect. Nudges the worker:
   * the writer runs this synchronously inside its transaction, so the worker looks after the commit.
   */
  statements<T extends WebhookEventType>(compiler: Db, type: T, scope: EventScope, data: WebhookData<T>): CompiledQuery[] {
    if (!this.wants(type, scope)) return [];
    this.nudge();
    return [store.enqueueQuery(compiler, outboxEvent(type, scope, data)).compile()];
  }

  /** Only the given subscription, whatever its event types: the test event. Answers the delivery's id. */
  async enqueueFor(db: Db, subscriptionId: string, data: WebhookData<typeof WEBHOOK_TEST_EVENT>): Promise<string> {
    const event = { ...outboxEvent(WEBHOOK_TEST_EVENT, { widgetId: null, orderKey: subscriptionId }, data), subscriptionId };
    await store.enqueueQuery(db, event).execute();
    this.nudge();
    return `whd_${event.id.slice(4)}_${subscriptionId}`;
  }
}

function outboxEvent<T extends EventType>(type: T, scope: EventScope, data: WebhookData<T>, at = nowIso()): OutboxEvent {
  const envelope: WebhookEnvelope<T> = { type, timestamp: at, version: WEBHOOK_PAYLOAD_VERSION, data };
  return {
    id: newId('evt'),
    type,
    widgetId: scope.widgetId ?? null,
    orderKey: scope.orderKey,
    ...(scope.note === true ? { note: true } : {}),
    body: JSON.stringify(envelope),
    createdAt: nowIso(),
  };
}
