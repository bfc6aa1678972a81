import * as v from 'valibot';
import { idSchema } from './common-schemas.js';
import { contactInputSchema } from './session.js';

/** Custom attribute keys: what a site sends with `setAttributes` and what the list filters on. */
export const CONTACT_ATTRIBUTE_KEY = /^[a-zA-Z0-9_.-]{1,64}$/;
export const CONTACT_ATTRIBUTE_VALUE_MAX = 500;
export const CONTACT_ATTRIBUTES_MAX = 50;
/** How many recent pages a contact remembers (newest first). */
export const CONTACT_PAGES_MAX = 20;

export type ContactAttributeValue = string | number | boolean;
export type ContactAttributes = Readonly<Record<string, ContactAttributeValue>>;

/**
 * An attribute typed as text (a CSV cell, a text box): `true`/`false` and numbers written as JavaScript writes
 * them become booleans and numbers; anything else ("02134", "1e3") stays text, so an export imports back unchanged.
 */
export function contactAttributeFromText(value: string): ContactAttributeValue {
  if (value === 'true' || value === 'false') return value === 'true';
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) && String(number) === value ? number : value;
}

const attributeKeySchema = v.pipe(v.string(), v.regex(CONTACT_ATTRIBUTE_KEY, 'keys must be 1–64 letters, digits, _ . or -'));
const attributeValueSchema = v.union(
  [
    v.pipe(v.string(), v.maxLength(CONTACT_ATTRIBUTE_VALUE_MAX, `values must be at most ${CONTACT_ATTRIBUTE_VALUE_MAX} characters`)),
    v.pipe(v.number(), v.finite('values must be finite numbers')),
    v.boolean(),
  ],
  'values must be strings, numbers or booleans',
);

/** Attributes to set; `null` removes a key. At most 50 keys per change (and per contact). */
export const contactAttributesPatchSchema = v.pipe(
  v.record(attributeKeySchema, v.nullable(attributeValueSchema), 'must be an object of attribute values'),
  v.check((attributes) => Object.keys(attributes).length <= CONTACT_ATTRIBUTES_MAX, `must hold at most ${CONTACT_ATTRIBUTES_MAX} keys`),
);
export type ContactAttributesPatch = v.InferOutput<typeof contactAttributesPatchSchema>;

const { name, email, phone } = contactInputSchema.entries;

/** `PATCH /v1/contacts/{id}`: null clears a detail; attributes are merged key by key. */
export const contactPatchSchema = v.strictObject({
  name: v.optional(v.nullable(name.wrapped)),
  email: v.optional(v.nullable(email.wrapped)),
  phone: v.optional(v.nullable(phone.wrapped)),
  externalId: v.optional(v.nullable(v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(256)))),
  attributes: v.optional(contactAttributesPatchSchema),
});
export type ContactPatch = v.InferOutput<typeof contactPatchSchema>;

/** `POST /v1/contacts/{id}/merge`: `from` is folded into `{id}` (see docs/contacts.md for the rule). */
export const contactMergeSchema = v.strictObject({ from: idSchema });
export type ContactMerge = v.InferOutput<typeof contactMergeSchema>;

/** `POST /v1/conversations/{id}/attributes`: the widget's `setAttributes` once a conversation exists; the body is the attributes themselves. */
export const visitorAttributesSchema = contactAttributesPatchSchema;

export const CONTACT_SORTS = ['lastSeen', 'created', 'name'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

const isoDate = v.pipe(
  v.string(),
  v.check(
    (value) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z',
  ),
);
const flag = v.picklist(['true', 'false'], 'must be true or false');

/** `GET /v1/contacts` (and `/v1/contacts.csv`): every filter is optional and they combine with AND. */
export const contactListQuerySchema = v.strictObject({
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'must be at most 200 characters'))),
  widgetId: v.optional(idSchema),
  /** `key=value`, e.g. `plan=pro`; repeat the parameter to require several. */
  attribute: v.optional(
    v.pipe(
      v.union([v.string(), v.array(v.string())], 'must be key=value'),
      v.transform((value) => (Array.isArray(value) ? value : [value])),
      v.maxLength(5, 'must be given at most 5 times'),
      v.check((pairs) => pairs.every((pair) => /^[a-zA-Z0-9_.-]{1,64}=/.test(pair)), 'must be key=value, such as plan=pro'),
    ),
  ),
  seenAfter: v.optional(isoDate),
  seenBefore: v.optional(isoDate),
  hasEmail: v.optional(flag),
  sort: v.optional(v.picklist(CONTACT_SORTS, `must be one of ${CONTACT_SORTS.join(', ')}`)),
  order: v.optional(v.picklist(['asc', 'desc'], 'must be asc or desc')),
  take: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(100, 'must be at most 100'),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(400))),
});
export type ContactListQuery = v.InferOutput<typeof contactListQuerySchema>;

export interface ContactPage {
  readonly url: string;
  readonly title: string | null;
  readonly at: string;
}

/** Browser, OS and device class read from the User-Agent of the visitor's last session; never a location. */
export interface ContactDevice {
  readonly browser: string | null;
  readonly os: string | null;
  /** desktop | mobile | tablet */
  readonly kind: string | null;
}

export interface Contact {
  readonly id: string;
  readonly object: 'contact';
  readonly widgetId: string;
  /** The site's own user id: a verified identity's `userId`, or given by an import or PATCH. */
  readonly externalId: string | null;
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly attributes: ContactAttributes;
  readonly firstSeenAt: string | null;
  readonly lastSeenAt: string | null;
  readonly device: ContactDevice | null;
  /** Recent pages, newest first (at most 20). */
  readonly pages: readonly ContactPage[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A contact's conversation as its page lists it. */
export interface ContactConversation {
  readonly id: string;
  readonly widgetId: string;
  /** bot | queued | human | resolved */
  readonly owner: string;
  readonly lastMessage: { readonly text: string; readonly role: string; readonly at: string } | null;
  readonly messageCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ContactImportResult {
  readonly created: number;
  readonly updated: number;
  readonly failed: number;
  /** One entry per refused row; `row` is the line number in the file (the header is line 1). */
  readonly errors: readonly { readonly row: number; readonly field: string | null; readonly message: string }[];
}
