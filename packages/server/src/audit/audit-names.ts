import type { Db } from '../store/database.js';

/** The current names the audit list answers beside its stored ids (audit-log.ts `list`). */
export interface AuditNames {
  /** `<targetType>:<id>` → the target's name now. */
  readonly targets: ReadonlyMap<string, string>;
  /** An agent's id → its name and email now. */
  readonly agents: ReadonlyMap<string, { readonly name: string; readonly email: string }>;
  /** An API key's id → its name now. */
  readonly keys: ReadonlyMap<string, string>;
}

type Lookup = (db: Db, ids: readonly string[]) => Promise<{ id: string; name: string | null }[]>;

/**
 * How each kind of target is named. Targets without a name (conversations, blocks, nodes) are not here: their id
 * stands for them. Nor are contacts: their names and emails are personal data, which the audit log never shows.
 */
const TARGETS: Readonly<Record<string, Lookup>> = {
  widget: (db, ids) => db.selectFrom('widgets').select(['id', 'name']).where('id', 'in', ids).execute(),
  blueprint: (db, ids) => db.selectFrom('blueprints').select(['id', 'name']).where('id', 'in', ids).execute(),
  bot: (db, ids) => db.selectFrom('bots').select(['id', 'name']).where('id', 'in', ids).execute(),
  agent: (db, ids) => db.selectFrom('agents').select(['id', 'name']).where('id', 'in', ids).execute(),
  team: (db, ids) => db.selectFrom('teams').select(['id', 'name']).where('id', 'in', ids).execute(),
  api_key: (db, ids) => db.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', ids).execute(),
  webhook: async (db, ids) =>
    (await db.selectFrom('webhook_subscriptions').select(['id', 'description', 'url']).where('id', 'in', ids).execute()).map((row) => ({
      id: row.id,
      name: row.description.trim() === '' ? hostOf(row.url) : row.description,
    })),
  campaign: (db, ids) => db.selectFrom('campaigns').select(['id', 'name']).where('id', 'in', ids).execute(),
};

/** One query per kind of target and actor on the page (a page is at most 100 entries). */
export async function auditNames(
  db: Db,
  rows: readonly { actor_kind: string; actor_id: string | null; target_type: string | null; target_id: string | null }[],
): Promise<AuditNames> {
  const idsOf = (pick: (row: (typeof rows)[number]) => string | null): string[] => [
    ...new Set(rows.map(pick).filter((id): id is string => id !== null)),
  ];
  const targets = new Map<string, string>();
  const byType = new Map<string, string[]>();
  for (const row of rows) {
    if (row.target_type === null || row.target_id === null || TARGETS[row.target_type] === undefined) continue;
    byType.set(row.target_type, [...(byType.get(row.target_type) ?? []), row.target_id]);
  }
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      const lookup = TARGETS[type];
      if (lookup === undefined) return;
      for (const found of await lookup(db, [...new Set(ids)])) {
        if (found.name !== null && found.name.trim() !== '') targets.set(`${type}:${found.id}`, found.name);
      }
    }),
  );
  const agentIds = idsOf((row) => (row.actor_kind === 'agent' ? row.actor_id : null));
  const keyIds = idsOf((row) => (row.actor_kind === 'api_key' && row.actor_id !== 'env' ? row.actor_id : null));
  const [agentRows, keyRows] = await Promise.all([
    agentIds.length === 0 ? [] : db.selectFrom('agents').select(['id', 'name', 'email']).where('id', 'in', agentIds).execute(),
    keyIds.length === 0 ? [] : db.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', keyIds).execute(),
  ]);
  return {
    targets,
    agents: new Map(agentRows.map((agent) => [agent.id, { name: agent.name, email: agent.email }])),
    keys: new Map(keyRows.filter((key) => key.name.trim() !== '').map((key) => [key.id, key.name])),
  };
}

/** A webhook without a description is named by its host: its path and query may hold a token. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
