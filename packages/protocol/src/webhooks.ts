import * as v from 'valibot';
import { AUTHOR_ROLES, MESSAGE_TYPES } from './message.js';

/**
 * Outbound webhooks (Standard Webhooks): what an integrator subscribes to and what Parley POSTs.
 * Every delivery's body is a `WebhookEnvelope`; `version` changes only when a payload changes in a way
 * a receiver could notice (fields are added without a new version, never renamed or removed).
 */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/** What a subscription may ask for. Wire names: never renamed, only added. */
export const WEBHOOK_EVENT_TYPES = [
  'conversation.created',
  'message.created',
  'conversation.ownership_changed',
  'conversation.rated',
  'conversation.email_left',
  'contact.created',
  'contact.updated',
  'contact.merged',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by `POST /v1/webhooks/{id}/test` only: never subscribed to, delivered to that one subscription. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Which ownership change a `conversation.ownership_changed` reports. */
export const WEBHOOK_OWNERSHIP_CHANGES = [
  'handoff',
  'assigned',
  'transferred',
  'queued',
  'handed_back',
  'resolved',
  'reopened',
  'snoozed',
  'woke',
] as const;
export type WebhookOwnershipChange = (typeof WEBHOOK_OWNERSHIP_CHANGES)[number];

export const WEBHOOK_URL_MAX = 2048;
export const WEBHOOK_MAX_IN_FLIGHT = 10;
/** Default and longest overlap of a secret rotation, in seconds. */
export const WEBHOOK_ROTATION_OVERLAP_DEFAULT = 86_400;
export const WEBHOOK_ROTATION_OVERLAP_MAX = 7 * 86_400;

const urlSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.maxLength(WEBHOOK_URL_MAX, `must be at most ${WEBHOOK_URL_MAX} characters`),
  v.regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'must be an http or https URL, such as https://example.com/hooks/parley'),
);
const eventsSchema = v.pipe(
  v.array(v.picklist(WEBHOOK_EVENT_TYPES, `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`), 'must be a list of event types'),
  v.minLength(1, 'must name at least one event type'),
  v.check((events) => new Set(events).size === events.length, 'must not name an event type twice'),
);
const fields = {
  url: urlSchema,
  description: v.pipe(v.string('must be a string'), v.trim(), v.maxLength(200, 'must be at most 200 characters')),
  events: eventsSchema,
  /** Only this widget's events; null or absent: every widget's. */
  widgetId: v.nullable(
    v.pipe(v.string('must be a widget id or null'), v.regex(/^wgt_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a widget id such as wgt_01J…')),
  ),
  /** `message.created` for agents' private notes too (off by default: notes are internal). */
  includeNotes: v.boolean('must be true or false'),
  enabled: v.boolean('must be true or false'),
  /** Deliveries on their way at once; 1 keeps the endpoint's order strictly, more keep it per conversation. */
  maxInFlight: v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(WEBHOOK_MAX_IN_FLIGHT, `must be at most ${WEBHOOK_MAX_IN_FLIGHT}`),
  ),
};

/** `POST /v1/webhooks`. */
export const webhookCreateSchema = v.strictObject({
  url: fields.url,
  description: v.optional(fields.description),
  events: fields.events,
  widgetId: v.optional(fields.widgetId),
  includeNotes: v.optional(fields.includeNotes),
  enabled: v.optional(fields.enabled),
  maxInFlight: v.optional(fields.maxInFlight),
});
export type WebhookCreate = v.InferOutput<typeof webhookCreateSchema>;

/** `PATCH /v1/webhooks/{id}`: any of the fields; enabling again clears `disabledReason` and the circuit breaker. */
export const webhookUpdateSchema = v.partial(webhookCreateSchema);
export type WebhookUpdate = v.InferOutput<typeof webhookUpdateSchema>;

/** `POST /v1/webhooks/{id}/rotate-secret`: the old secret keeps signing (beside the new one) for `overlapSeconds`. */
export const webhookRotateSchema = v.strictObject({
  overlapSeconds: v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number of seconds'),
      v.minValue(0, 'must be 0 or more'),
      v.maxValue(WEBHOOK_ROTATION_OVERLAP_MAX, `must be at most ${WEBHOOK_ROTATION_OVERLAP_MAX} (7 days)`),
    ),
  ),
});

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** `GET /v1/webhooks/{id}/deliveries` filters (besides take and cursor). */
export const webhookDeliveriesQuerySchema = v.strictObject({
  take: v.optional(v.string()),
  cursor: v.optional(v.string()),
  status: v.optional(v.picklist(WEBHOOK_DELIVERY_STATUSES, `must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}`)),
  eventType: v.optional(
    v.picklist([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT], `must be one of ${[...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT].join(', ')}`),
  ),
});

/** Why a subscription stopped by itself: its endpoint answered 410 Gone. */
export type WebhookDisabledReason = 'gone' | null;

export interface WebhookSubscription {
  readonly id: string;
  readonly object: 'webhook';
  readonly url: string;
  readonly description: string;
  readonly events: readonly WebhookEventType[];
  readonly widgetId: string | null;
  readonly includeNotes: boolean;
  readonly enabled: boolean;
  readonly disabledReason: WebhookDisabledReason;
  readonly maxInFlight: number;
  /** The first characters of the signing secret, to recognise it; the secret itself is shown once. */
  readonly secretPrefix: string;
  /** Until when the previous secret still signs beside the current one; null: no rotation under way. */
  readonly previousSecretExpiresAt: string | null;
  /** Failed attempts in a row; the circuit opens (no attempt until `circuitOpenUntil`) after a few. */
  readonly consecutiveFailures: number;
  readonly circuitOpenUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Answered once, on creation and rotation: the only time the signing secret (`whsec_…`) is visible. */
export interface WebhookSubscriptionCreated extends WebhookSubscription {
  readonly secret: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly object: 'webhook_delivery';
  readonly subscriptionId: string;
  /** The `webhook-id` header: the same on every attempt and replay of one event. */
  readonly eventId: string;
  readonly eventType: WebhookEventType | typeof WEBHOOK_TEST_EVENT;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  /** When the next attempt is due; null once delivered or given up. */
  readonly nextAttemptAt: string | null;
  /** The HTTP status of the last attempt; null: none yet, or no answer (see the attempt's `error`). */
  readonly lastStatus: number | null;
  /** The delivery this one replays; null for the original. */
  readonly replayOf: string | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
}

export interface WebhookAttempt {
  readonly id: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  /** Why there was no usable answer (refused address, timeout, connection error); null when one came. */
  readonly error: string | null;
  readonly latencyMs: number;
  /** The start of the response body (at most 1,024 characters). */
  readonly responseBody: string;
  readonly createdAt: string;
}

/** `GET /v1/webhooks/{id}/deliveries/{deliveryId}`: the delivery, its body as sent and every attempt. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  readonly payload: WebhookEnvelope;
  readonly attemptLog: readonly WebhookAttempt[];
}

// ---- Payloads (what receivers get) ----

const conversationRef = v.object({ id: v.string(), widgetId: v.string() });
const personRef = v.nullable(v.object({ id: v.string(), name: v.string() }));
const messageSchema = v.object({
  id: v.string(),
  conversationId: v.string(),
  seq: v.number(),
  author: v.object({ role: v.picklist(AUTHOR_ROLES), id: v.string(), name: v.string() }),
  type: v.picklist(MESSAGE_TYPES),
  text: v.string(),
  payload: v.nullable(v.record(v.string(), v.unknown())),
  clientId: v.nullable(v.string()),
  createdAt: v.string(),
});

/** A contact as `contact.*` events carry it: its id, widget and every field a CRM would copy (pages and device are left out). */
const contactSchema = v.object({
  id: v.string(),
  widgetId: v.string(),
  externalId: v.nullable(v.string()),
  name: v.nullable(v.string()),
  email: v.nullable(v.string()),
  phone: v.nullable(v.string()),
  attributes: v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])),
  firstSeenAt: v.nullable(v.string()),
  lastSeenAt: v.nullable(v.string()),
  createdAt: v.string(),
  updatedAt: v.string(),
});

/** `data` of each event type, as valibot schemas: the JSON Schema of docs/webhooks.md and OpenAPI is generated from them. */
export const WEBHOOK_DATA_SCHEMAS = {
  'conversation.created': v.object({
    conversation: v.object({ id: v.string(), widgetId: v.string(), identityUserId: v.nullable(v.string()), createdAt: v.string() }),
  }),
  'message.created': v.object({ conversation: conversationRef, message: messageSchema }),
  'conversation.ownership_changed': v.object({
    conversation: conversationRef,
    change: v.picklist(WEBHOOK_OWNERSHIP_CHANGES),
    /** bot | queued | human | resolved, after the change. */
    owner: v.string(),
    assignee: personRef,
    previousAssignee: personRef,
    team: personRef,
    actor: personRef,
    snoozedUntil: v.nullable(v.string()),
  }),
  'conversation.rated': v.object({
    conversation: conversationRef,
    score: v.number(),
    comment: v.nullable(v.string()),
    messageId: v.string(),
  }),
  'conversation.email_left': v.object({
    conversation: conversationRef,
    contact: v.object({ id: v.string(), email: v.string(), name: v.nullable(v.string()) }),
  }),
  'contact.created': v.object({ contact: contactSchema }),
  'contact.updated': v.object({ contact: contactSchema }),
  /** `mergedContactId` was folded into `contact` (its id keeps resolving to `contact`); `conversations` moved with it. */
  'contact.merged': v.object({ contact: contactSchema, mergedContactId: v.string(), conversations: v.number() }),
  [WEBHOOK_TEST_EVENT]: v.object({ subscriptionId: v.string(), text: v.string() }),
} as const;

export type WebhookData<T extends keyof typeof WEBHOOK_DATA_SCHEMAS> = v.InferOutput<(typeof WEBHOOK_DATA_SCHEMAS)[T]>;

/** The body of every delivery (Standard Webhooks' recommended shape, plus the payload version). */
export interface WebhookEnvelope<T extends keyof typeof WEBHOOK_DATA_SCHEMAS = keyof typeof WEBHOOK_DATA_SCHEMAS> {
  readonly type: T;
  /** When the event happened (ISO-8601), not when this attempt was made. */
  readonly timestamp: string;
  readonly version: typeof WEBHOOK_PAYLOAD_VERSION;
  readonly data: WebhookData<T>;
}

/** An envelope schema per event type, for receivers that validate (and for the JSON Schema in the docs). */
export function webhookEnvelopeSchema<T extends keyof typeof WEBHOOK_DATA_SCHEMAS>(type: T) {
  return v.object({
    type: v.literal(type),
    timestamp: v.string(),
    version: v.literal(WEBHOOK_PAYLOAD_VERSION),
    data: WEBHOOK_DATA_SCHEMAS[type],
  });
}
