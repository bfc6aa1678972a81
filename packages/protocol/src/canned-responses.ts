import * as v from 'valibot';
import { MESSAGE_TEXT_MAX } from './message.js';

/** What an agent types after `/` in the composer: lower-case letters, digits, `_` and `-`. */
export const cannedShortcutSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.regex(/^[a-z0-9_-]{1,32}$/, 'must be 1 to 32 lower-case letters, digits, _ or -'),
);

/** The text inserted: Markdown, like any reply, so no longer than a message may be. */
export const cannedTextSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(MESSAGE_TEXT_MAX, `must be at most ${MESSAGE_TEXT_MAX} characters`),
);

export const cannedResponseCreateSchema = v.strictObject({ shortcut: cannedShortcutSchema, text: cannedTextSchema });

export const cannedResponsePatchSchema = v.strictObject({
  shortcut: v.optional(cannedShortcutSchema),
  text: v.optional(cannedTextSchema),
});

export type CannedResponseCreate = v.InferOutput<typeof cannedResponseCreateSchema>;
export type CannedResponsePatch = v.InferOutput<typeof cannedResponsePatchSchema>;

/** A reply the whole team shares, inserted in the composer with `/shortcut`. */
export interface CannedResponse {
  readonly id: string;
  readonly object: 'canned_response';
  readonly shortcut: string;
  readonly text: string;
  /** The agent who added it (`admin` for an admin API key); they and admins may change or remove it. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}
