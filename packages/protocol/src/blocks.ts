import * as v from 'valibot';

/** `visitor`: the person (their verified identity, else their conversation); `address`: their client address (IPv6 by its /64). */
export const BLOCK_SCOPES = ['visitor', 'address'] as const;
export type BlockScope = (typeof BLOCK_SCOPES)[number];

export const BLOCK_DURATIONS = ['1d', '7d', '30d', 'permanent'] as const;
export type BlockDuration = (typeof BLOCK_DURATIONS)[number];

const DAY_MS = 86_400_000;
/** How long each duration lasts; null: until an agent lifts the block. */
export const BLOCK_DURATION_MS: Readonly<Record<BlockDuration, number | null>> = {
  '1d': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  permanent: null,
};

export const BLOCK_REASON_MAX = 500;

/** `POST /v1/inbox/{id}/block`: block the visitor of a conversation, or the address they write from. */
export const blockCreateSchema = v.strictObject({
  scope: v.picklist(BLOCK_SCOPES, 'must be visitor or address'),
  duration: v.picklist(BLOCK_DURATIONS, 'must be 1d, 7d, 30d or permanent'),
  reason: v.optional(
    v.pipe(v.string('must be a string'), v.trim(), v.maxLength(BLOCK_REASON_MAX, `must be at most ${BLOCK_REASON_MAX} characters`)),
  ),
  /** Address blocks only: refuse the address on every widget, not just this conversation's. */
  everyWidget: v.optional(v.boolean('must be true or false')),
});
export type BlockCreate = v.InferOutput<typeof blockCreateSchema>;

/** A block as the API shows it. */
export interface VisitorBlock {
  readonly id: string;
  readonly scope: BlockScope;
  /** The widget it applies to; null: every widget. */
  readonly widgetId: string | null;
  /** What is refused: `user:<userId>` (a verified identity), `conv:<conversationId>` (an anonymous visitor) or the address. */
  readonly subject: string;
  /** The conversation it was made from; null once that conversation is gone. */
  readonly conversationId: string | null;
  readonly createdBy: { readonly id: string; readonly name: string };
  readonly createdAt: string;
  /** When it stops applying by itself; null: until an agent lifts it. */
  readonly expiresAt: string | null;
  readonly reason: string | null;
}
