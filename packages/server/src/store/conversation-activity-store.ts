import type { InboxActivity, InboxActivityKind } from '@parley/protocol';
import { INBOX_ACTIVITY_KINDS } from '@parley/protocol';
import type { Db } from './database.js';
import { newId, nowIso } from './ids.js';
import { readJson, writeJson } from './json.js';

export type ActivityDetail = Pick<InboxActivity, 'actor' | 'agent' | 'previousAgent' | 'team' | 'until' | 'scope' | 'rule'>;

/** SQL for the conversation activity log (what the console's timeline shows besides messages). */
export const conversationActivityStore = {
  async add(db: Db, conversationId: string, kind: InboxActivityKind, detail: ActivityDetail): Promise<void> {
    await db
      .insertInto('conversation_activity')
      .values({ id: newId('act'), conversation_id: conversationId, kind, detail: writeJson(detail), created_at: nowIso() })
      .execute();
  },

  /** The newest `limit` entries, oldest first (ids are ULIDs: they sort by time). */
  async list(db: Db, conversationId: string, limit: number): Promise<InboxActivity[]> {
    const rows = await db
      .selectFrom('conversation_activity')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().flatMap((row) => {
      const kind = INBOX_ACTIVITY_KINDS.find((known) => known === row.kind);
      if (kind === undefined) return []; // Written by a newer version: not ours to show.
      const detail = readJson<Partial<ActivityDetail>>(row.detail);
      return [
        {
          id: row.id,
          kind,
          actor: detail.actor ?? null,
          agent: detail.agent ?? null,
          previousAgent: detail.previousAgent ?? null,
          team: detail.team ?? null,
          until: detail.until ?? null,
          ...(detail.scope === undefined ? {} : { scope: detail.scope }),
          ...(detail.rule === undefined || detail.rule === null ? {} : { rule: detail.rule }),
          createdAt: row.created_at,
        },
      ];
    });
  },
};
