// Outbound webhooks: subscriptions, the outbox event sources write to in their own transaction, the
// delivery worker (Standard Webhooks signatures, retries, per-endpoint order) and the delivery log.
export { Webhooks, type WebhooksOptions } from './webhooks.js';
export { WebhookOutbox, type EventScope } from './webhook-outbox.js';
export { WebhookSubscriptions, WEBHOOKS_CHANNEL } from './webhook-subscriptions.js';
export { DEFAULT_TIMINGS, type WorkerTimings } from './delivery-worker.js';
export { webhookSignature, newWebhookSecret } from './signing.js';
