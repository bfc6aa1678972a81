import { sql, type Selectable } from 'kysely';
import type { Db } from '../store/database.js';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../store/schema.js';

export type SubscriptionRow = Selectable<WebhookSubscriptionsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

/** What an event source hands to the outbox: the delivery rows are made from it, one per matching subscription. */
export interface OutboxEvent {
  /** `evt_<ULID>`: the webhook-id every attempt carries. */
  readonly id: string;
  readonly type: string;
  /** The widget the event belongs to (subscriptions with a widget filter get only theirs). */
  readonly widgetId: string | null;
  /** Deliveries with the same key reach an endpoint in order (a conversation's id). */
  readonly orderKey: string;
  /** An agent's private note: only subscriptions with includeNotes get it. */
  readonly note?: boolean;
  /** The body as it will be sent. */
  readonly body: string;
  readonly createdAt: string;
  /** Only this subscription (test events), whatever its event types. */
  readonly subscriptionId?: string;
}

/** Rows read per endpoint when the worker looks for the head of each ordered queue. */
const QUEUE_WINDOW = 200;

/** SQL of the webhooks: subscriptions, the outbox and the attempt log. */
export const webhooksStore = {
  async insertSubscription(db: Db, row: SubscriptionRow): Promise<void> {
    await db.insertInto('webhook_subscriptions').values(row).execute();
  },

  getSubscription(db: Db, id: string): Promise<SubscriptionRow | undefined> {
    return db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  },

  listSubscriptions(db: Db): Promise<SubscriptionRow[]> {
    return db.selectFrom('webhook_subscriptions').selectAll().orderBy('id', 'desc').execute();
  },

  async updateSubscription(db: Db, id: string, changes: Partial<Omit<SubscriptionRow, 'id'>>): Promise<SubscriptionRow | undefined> {
    await db.updateTable('webhook_subscriptions').set(changes).where('id', '=', id).execute();
    return this.getSubscription(db, id);
  },

  async deleteSubscription(db: Db, id: string): Promise<boolean> {
    const result = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** What the in-memory view needs: which enabled subscriptions want which events. */
  enabledFilters(db: Db): Promise<Pick<SubscriptionRow, 'events' | 'widget_id' | 'include_notes'>[]> {
    return db.selectFrom('webhook_subscriptions').select(['events', 'widget_id', 'include_notes']).where('enabled', '=', 1).execute();
  },

  /**
   * One statement that writes the event's delivery for every subscription that wants it, matched in
   * SQL so it sees the subscriptions as the event's own transaction does. Idempotent per event.
   */
  enqueueQuery(db: Db, event: OutboxEvent) {
    const ulid = event.id.slice(event.id.indexOf('_') + 1);
    let select = db
      .selectFrom('webhook_subscriptions as s')
      .select([
        sql<string>`${`whd_${ulid}_`} || s.id`.as('id'),
        's.id as subscription_id',
        sql<string>`${event.id}`.as('event_id'),
        sql<string>`${event.type}`.as('event_type'),
        sql<string>`${event.orderKey}`.as('order_key'),
        sql<string>`${event.body}`.as('payload'),
        sql<string>`${'pending'}`.as('status'),
        sql<number>`0`.as('attempts'),
        sql<string>`${event.createdAt}`.as('next_attempt_at'),
        sql<string>`${event.createdAt}`.as('created_at'),
        sql<string>`${event.createdAt}`.as('updated_at'),
      ]);
    if (event.subscriptionId !== undefined) select = select.where('s.id', '=', event.subscriptionId);
    else {
      select = select.where('s.enabled', '=', 1).where('s.events', 'like', `%${JSON.stringify(event.type)}%`);
      if (event.note === true) select = select.where('s.include_notes', '=', 1);
      const widgetId = event.widgetId;
      select = select.where((eb) =>
        widgetId === null ? eb('s.widget_id', 'is', null) : eb.or([eb('s.widget_id', 'is', null), eb('s.widget_id', '=', widgetId)]),
      );
    }
    return db
      .insertInto('webhook_deliveries')
      .columns([
        'id',
        'subscription_id',
        'event_id',
        'event_type',
        'order_key',
        'payload',
        'status',
        'attempts',
        'next_attempt_at',
        'created_at',
        'updated_at',
      ])
      .expression(select)
      .onConflict((conflict) => conflict.doNothing());
  },

  /**
   * Subscriptions with a delivery due now and an endpoint that may be called (enabled, circuit not
   * open). On PostgreSQL each is row-locked for the caller's transaction and rows another node holds
   * are skipped, so two nodes never pick the same endpoint's deliveries at once.
   */
  dueSubscriptions(db: Db, now: string, limit: number, lock: boolean) {
    const query = db
      .selectFrom('webhook_subscriptions as s')
      .select(['s.id', 's.max_in_flight', 's.consecutive_failures'])
      .where('s.enabled', '=', 1)
      .where((eb) => eb.or([eb('s.circuit_open_until', 'is', null), eb('s.circuit_open_until', '<=', now)]))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('webhook_deliveries as d')
            .select(sql`1`.as('one'))
            .whereRef('d.subscription_id', '=', 's.id')
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<=', now)])),
        ),
      )
      .orderBy('s.id')
      .limit(limit);
    return (lock ? query.forUpdate().skipLocked() : query).execute();
  },

  /** The first pending deliveries of an endpoint's queue, in order. */
  pendingQueue(db: Db, subscriptionId: string) {
    return db
      .selectFrom('webhook_deliveries')
      .select(['id', 'order_key', 'next_attempt_at', 'locked_until'])
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .orderBy('id')
      .limit(QUEUE_WINDOW)
      .execute();
  },

  async lease(db: Db, ids: readonly string[], until: string): Promise<DeliveryRow[]> {
    if (ids.length === 0) return [];
    await db.updateTable('webhook_deliveries').set({ locked_until: until }).where('id', 'in', ids).execute();
    return db.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).orderBy('id').execute();
  },

  async release(db: Db, id: string): Promise<void> {
    await db.updateTable('webhook_deliveries').set({ locked_until: null }).where('id', '=', id).execute();
  },

  async insertAttempt(db: Db, row: AttemptRow): Promise<void> {
    await db.insertInto('webhook_attempts').values(row).execute();
  },

  async updateDelivery(db: Db, id: string, changes: Partial<Omit<DeliveryRow, 'id'>>): Promise<void> {
    await db.updateTable('webhook_deliveries').set(changes).where('id', '=', id).execute();
  },

  getDelivery(db: Db, subscriptionId: string, id: string): Promise<DeliveryRow | undefined> {
    return db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  attempts(db: Db, deliveryId: string): Promise<AttemptRow[]> {
    return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
  },

  /** An endpoint's deliveries, newest first, after the cursor (a delivery id). */
  deliveriesPage(
    db: Db,
    subscriptionId: string,
    filter: { readonly status?: string | undefined; readonly eventType?: string | undefined },
    take: number,
    before: string | undefined,
  ): Promise<DeliveryRow[]> {
    let query = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
    if (before !== undefined) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(take).execute();
  },

  /** Deletes at most `batch` attempts and finished deliveries older than `cutoff`; answers how many rows went. */
  async prune(db: Db, cutoff: string, batch: number): Promise<number> {
    const attempts = await db
      .deleteFrom('webhook_attempts')
      .where('id', 'in', db.selectFrom('webhook_attempts').select('id').where('created_at', '<', cutoff).limit(batch))
      .executeTakeFirst();
    const deliveries = await db
      .deleteFrom('webhook_deliveries')
      .where(
        'id',
        'in',
        db.selectFrom('webhook_deliveries').select('id').where('created_at', '<', cutoff).where('status', '!=', 'pending').limit(batch),
      )
      .executeTakeFirst();
    return Number(attempts.numDeletedRows) + Number(deliveries.numDeletedRows);
  },
};
