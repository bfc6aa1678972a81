import * as v from 'valibot';

/**
 * The audit log (issue 18): who changed what and when, for admin actions. Append-only. `detail` never
 * holds personal data: the names of changed fields or settings keys, counts, ids.
 */
export const AUDIT_ACTOR_KINDS = ['agent', 'api_key', 'system', 'visitor'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

export interface AuditActor {
  readonly kind: AuditActorKind;
  /** An agent's id, an API key's id (`env` for PARLEY_ADMIN_KEY), a conversation id for a visitor; null for the system. */
  readonly id: string | null;
  /** The name recorded when it acted; the list answers the agent's or key's current name while it still exists. */
  readonly name: string | null;
  /** An agent's email (looked up when the log is read; absent once the agent is deleted, and for other actors). */
  readonly email?: string | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly object: 'audit_entry';
  readonly at: string;
  readonly actor: AuditActor;
  /** `<target type>.<verb>`, e.g. `widget.updated`, `contact.erased`, `retention.run`. */
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  /**
   * The target's name when the log is read (a widget's, bot's, agent's, key's, contact's…), null once it no longer
   * exists or for targets without one (conversations, blocks, nodes): the id then stands for it. Never stored.
   */
  readonly targetName: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/;
const isoTime = v.pipe(
  v.string(),
  v.regex(ISO_TIME, 'must be an ISO 8601 time such as 2026-01-31T00:00:00Z'),
  v.check((value) => !Number.isNaN(Date.parse(value)), 'must be a valid time'),
);

/** `GET /v1/audit`: newest first; `action` is exact, or a prefix when it ends in `.*` (`widget.*`). */
export const auditQuerySchema = v.strictObject({
  take: v.optional(v.string()),
  cursor: v.optional(v.string()),
  action: v.optional(v.pipe(v.string(), v.regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'must be an action such as widget.updated or widget.*'))),
  actorKind: v.optional(v.picklist(AUDIT_ACTOR_KINDS, `must be one of ${AUDIT_ACTOR_KINDS.join(', ')}`)),
  actor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  targetType: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(100))),
  target: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  from: v.optional(isoTime),
  to: v.optional(isoTime),
});
export type AuditQuery = v.InferOutput<typeof auditQuerySchema>;
