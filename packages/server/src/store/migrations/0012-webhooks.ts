import { sql, type Kysely } from 'kysely';

/**
 * Outbound webhooks (webhooks/). `webhook_subscriptions`: where to POST which events, and the signing
 * secret (kept readable: every delivery is signed with it; the previous one signs too until
 * `previous_secret_expires_at`). `webhook_deliveries` is the outbox: one row per subscription and event,
 * written in the transaction that stores the event, then claimed and sent by the delivery worker;
 * its id (`whd_<event ULID>_<subscription id>`, or `whd_<ULID>` for a replay) orders an endpoint's queue.
 * `webhook_attempts`: every attempt, kept 30 days.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // JSON array of event types; matched with LIKE '%"<type>"%' inside the event's transaction.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('widget_id', 'text')
    .addColumn('include_notes', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('max_in_flight', 'integer', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('circuit_open_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    // Deliveries with the same key reach an endpoint in order (a conversation's id; the event id when unrelated).
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending | delivered | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    // A node sending it holds it until then; past it (the node died) another node may send it again.
    .addColumn('locked_until', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('replay_of', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  // The worker reads an endpoint's pending queue in id order; the log pages an endpoint's deliveries by id.
  await db.schema.createIndex('webhook_deliveries_queue').on('webhook_deliveries').columns(['subscription_id', 'status', 'id']).execute();
  await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['subscription_id', 'id']).execute();
  await db.schema.createIndex('webhook_deliveries_created').on('webhook_deliveries').column('created_at').execute();
  // An event reaches a subscription once, however often its source enqueues it (replays are rows of their own).
  await db.schema
    .createIndex('webhook_deliveries_event')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'event_id'])
    .unique()
    .where(sql.ref('replay_of'), 'is', null)
    .execute();
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
  await db.schema.createIndex('webhook_attempts_created').on('webhook_attempts').column('created_at').execute();
}
