import type { Db } from '../store/database.js';

/** What a message's translation depends on, read in one round trip: the conversation, its owner and that agent's language. */
export interface TranslationFacts {
  readonly widgetId: string;
  readonly meta: string;
  readonly owner: string | null;
  readonly assigneeId: string | null;
  readonly assigneeLanguage: string | null;
}

export const translationStore = {
  facts(db: Db, conversationId: string): Promise<TranslationFacts | undefined> {
    return db
      .selectFrom('conversations as c')
      .leftJoin('conversation_states as s', 's.conversation_id', 'c.id')
      .leftJoin('agents as a', 'a.id', 's.assignee_id')
      .select([
        'c.widget_id as widgetId',
        'c.meta as meta',
        's.owner as owner',
        's.assignee_id as assigneeId',
        'a.language as assigneeLanguage',
      ])
      .where('c.id', '=', conversationId)
      .executeTakeFirst();
  },

  async agentLanguage(db: Db, agentId: string): Promise<string | null> {
    const row = await db.selectFrom('agents').select('language').where('id', '=', agentId).executeTakeFirst();
    return row?.language ?? null;
  },
};
