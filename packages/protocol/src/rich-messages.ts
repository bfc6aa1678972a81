import * as v from 'valibot';

/**
 * Payloads of the rich message types (DESIGN.md's Message contract), so servers and widgets agree on
 * what a `card`, `carousel`, `quick_replies`, `form`, `file` or `event` message carries. `text` stays
 * the Markdown fallback of every rich message: a renderer that does not know a type shows it.
 * Wire names are stable: fields are only ever added.
 */
const label = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const url = v.pipe(v.string(), v.maxLength(2000), v.regex(/^(https?:\/\/|\/)/, 'must be an http(s) URL or a path'));

/**
 * `replies` are shown as buttons; choosing one sends its label as the visitor's text. `values`, when
 * present, is aligned with `replies` and is what the bot expects back (Rasa payloads such as
 * `/inform{"people":"2"}`); the connector maps a chosen label to its value, the widget never needs to.
 */
export const quickRepliesPayloadSchema = v.object({
  replies: v.pipe(v.array(label), v.maxLength(20)),
  values: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(2000))), v.maxLength(20))),
});
export type QuickRepliesPayload = v.InferOutput<typeof quickRepliesPayloadSchema>;

/** A card button either opens a link (`url`) or sends `reply` as the visitor's text. */
export const cardButtonSchema = v.object({
  label,
  url: v.optional(url),
  reply: v.optional(v.pipe(v.string(), v.maxLength(2000))),
});
export type CardButton = v.InferOutput<typeof cardButtonSchema>;

export const cardPayloadSchema = v.object({
  title: v.pipe(v.string(), v.maxLength(500)),
  subtitle: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  imageUrl: v.optional(url),
  url: v.optional(url),
  buttons: v.optional(v.pipe(v.array(cardButtonSchema), v.maxLength(10))),
});
export type CardPayload = v.InferOutput<typeof cardPayloadSchema>;

export const carouselPayloadSchema = v.object({ cards: v.pipe(v.array(cardPayloadSchema), v.minLength(1), v.maxLength(20)) });
export type CarouselPayload = v.InferOutput<typeof carouselPayloadSchema>;

export const FORM_FIELD_TYPES = ['text', 'email', 'tel', 'number', 'textarea', 'select'] as const;

/** A form the visitor fills in; the widget sends the answers back as one visitor message (`name: value` lines). */
export const formPayloadSchema = v.object({
  fields: v.pipe(
    v.array(
      v.object({
        name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
        label,
        type: v.picklist(FORM_FIELD_TYPES),
        required: v.optional(v.boolean()),
        options: v.optional(v.pipe(v.array(label), v.maxLength(50))),
      }),
    ),
    v.minLength(1),
    v.maxLength(20),
  ),
  submitLabel: v.optional(label),
});
export type FormPayload = v.InferOutput<typeof formPayloadSchema>;

/** A file or image; `mimeType` starting with `image/` is shown inline. */
export const filePayloadSchema = v.object({
  url,
  name: v.optional(v.pipe(v.string(), v.maxLength(500))),
  mimeType: v.optional(v.pipe(v.string(), v.maxLength(200))),
  size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  alt: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});
export type FilePayload = v.InferOutput<typeof filePayloadSchema>;

/**
 * Something that happened in the conversation, shown as a thin line, not a bubble. Known events:
 * `handoff_requested` (`reason`: visitor_asked | bot_asked | bot_failed).
 */
export const eventPayloadSchema = v.looseObject({ event: v.pipe(v.string(), v.maxLength(100)) });
export type EventPayload = v.InferOutput<typeof eventPayloadSchema>;

/** The payload schema of each rich message type (`text` has none). */
export const richPayloadSchemas = {
  quick_replies: quickRepliesPayloadSchema,
  card: cardPayloadSchema,
  carousel: carouselPayloadSchema,
  form: formPayloadSchema,
  file: filePayloadSchema,
  event: eventPayloadSchema,
} as const;
