import type { AuditActor, AuditActorKind, AuditEntry as AuditEntryView, Page } from '@parley/protocol';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { AuditLogTable } from '../store/schema.js';
import { auditNames, type AuditNames } from './audit-names.js';

/**
 * What one audited change says. `detail` holds no personal data: the names of the fields or settings keys
 * that changed (never their values), counts, ids. `action` is `<target type>.<verb>` (widget.updated).
 */
export interface AuditEntry {
  readonly actor: AuditActor;
  readonly action: string;
  readonly targetType?: string | null;
  readonly targetId?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditFilter {
  readonly take: number;
  readonly cursor?: string | undefined;
  /** Exact, or a prefix when it ends in `.*`. */
  readonly action?: string | undefined;
  readonly actorKind?: AuditActorKind | undefined;
  readonly actor?: string | undefined;
  readonly targetType?: string | undefined;
  readonly target?: string | undefined;
  /** ISO times, both included. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** The system itself (scheduled jobs such as retention). */
export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: null, name: 'Parley' };

/**
 * Who a management request speaks for, from what the auth hooks set: a console login is its agent, an
 * API key is the key (its id; `env` for PARLEY_ADMIN_KEY), a visitor session is its conversation.
 */
export function actorOf(request: FastifyRequest): AuditActor {
  const agent = request.agent;
  if (agent !== null) {
    return agent.via === 'key'
      ? { kind: 'api_key', id: agent.keyId ?? null, name: agent.name }
      : { kind: 'agent', id: agent.id, name: agent.name };
  }
  if (request.session !== null) return { kind: 'visitor', id: request.session.sub, name: null };
  return SYSTEM_ACTOR;
}

/**
 * The names of the fields a change body sets, never their values: what `detail.fields` records. One level of
 * an object is named too (`theme.primaryColor`, `attributes.plan`), so a settings change says which keys.
 */
export function changedFields(body: unknown): string[] {
  if (!isPlainObject(body)) return [];
  const names: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (isPlainObject(value) && Object.keys(value).length > 0) names.push(...Object.keys(value).map((inner) => `${key}.${inner}`));
    else names.push(key);
  }
  return names.sort();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The audit log: append-only. `record` writes one row, inside the caller's transaction when it passes one
 * (the change and its record commit together), else on its own right after the change. There is no update
 * or delete here, and no route offers one.
 */
export class AuditLog {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry, trx?: Db): Promise<void> {
    await (trx ?? this.db)
      .insertInto('audit_log')
      .values({
        id: newId('aud'),
        at: nowIso(),
        actor_kind: entry.actor.kind,
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        action: entry.action,
        target_type: entry.targetType ?? null,
        target_id: entry.targetId ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
      })
      .execute();
  }

  /** Records what a request did, its actor taken from the request's authentication. */
  async recordFor(request: FastifyRequest, entry: Omit<AuditEntry, 'actor'>, trx?: Db): Promise<void> {
    await this.record({ ...entry, actor: actorOf(request) }, trx);
  }

  /** Newest first, `take` at a time. */
  async list(filter: AuditFilter): Promise<Page<AuditEntryView>> {
    const cursor = checkCursor(filter.cursor, 'aud');
    let query = this.db.selectFrom('audit_log').selectAll();
    if (cursor !== undefined) query = query.where('id', '<', cursor);
    if (filter.action !== undefined) {
      query = filter.action.endsWith('.*')
        ? query.where(sql<string>`substr(action, 1, ${filter.action.length - 1})`, '=', filter.action.slice(0, -1))
        : query.where('action', '=', filter.action);
    }
    if (filter.actorKind !== undefined) query = query.where('actor_kind', '=', filter.actorKind);
    if (filter.actor !== undefined) query = query.where('actor_id', '=', filter.actor);
    if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType);
    if (filter.target !== undefined) query = query.where('target_id', '=', filter.target);
    if (filter.from !== undefined) query = query.where('at', '>=', new Date(filter.from).toISOString());
    if (filter.to !== undefined) query = query.where('at', '<=', new Date(filter.to).toISOString());
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.take + 1)
      .execute();
    // Names are looked up now, never stored: a renamed widget shows its new name, an erased contact only its id.
    const names = await auditNames(this.db, rows.slice(0, filter.take));
    return toPage(rows, filter.take, (row) => toAuditEntry(row, names));
  }
}

/** An entry as the API answers it; with `names`, the actor's and target's current names (audit-names.ts). */
export function toAuditEntry(row: AuditLogTable, names?: AuditNames): AuditEntryView {
  const agent = row.actor_kind === 'agent' && row.actor_id !== null ? names?.agents.get(row.actor_id) : undefined;
  const keyName = row.actor_kind === 'api_key' && row.actor_id !== null ? names?.keys.get(row.actor_id) : undefined;
  const targetName =
    row.target_type === null || row.target_id === null ? undefined : names?.targets.get(`${row.target_type}:${row.target_id}`);
  return {
    id: row.id,
    object: 'audit_entry',
    at: row.at,
    actor: {
      kind: row.actor_kind as AuditActorKind,
      id: row.actor_id,
      name: agent?.name ?? keyName ?? row.actor_name,
      ...(row.actor_kind === 'agent' ? { email: agent?.email ?? null } : {}),
    },
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    targetName: targetName ?? null,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}
