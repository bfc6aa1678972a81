import type { Message, WebhookOwnershipChange } from '@parley/protocol';
import type { EngineWebhooks, OwnershipChange } from '../engine/engine-webhooks.js';
import type { Db } from '../store/database.js';
import type { EventScope, WebhookOutbox } from './webhook-outbox.js';

/**
 * The engine's events as webhooks (the engine's port, engine/engine-webhooks.ts): each method is
 * called with the executor that stores the event (ownership changes: answers the write to run in that
 * transaction) and writes nothing unless a subscription wants it.
 */
export function engineWebhooks(outbox: WebhookOutbox, compiler: Db): EngineWebhooks {
  const any = (note: boolean): EventScope => ({ widgetId: undefined, orderKey: '', note });
  const wantsMessage = (input: Pick<Message, 'type'> & { readonly payload?: Message['payload'] | undefined }): boolean =>
    outbox.wants('message.created', any(input.type === 'note')) ||
    (ratingOf(input.payload ?? null) !== null && outbox.wants('conversation.rated', any(false)));

  const messageStatements = (message: Message, widgetId: string) => {
    const scope: EventScope = { widgetId, orderKey: message.conversationId, note: message.type === 'note' };
    const conversation = { id: message.conversationId, widgetId };
    // A visitor's rating is an `event` message: it is also conversation.rated.
    const rating = message.type === 'event' ? ratingOf(message.payload) : null;
    return [
      ...outbox.statements(compiler, 'message.created', scope, { conversation, message }),
      ...(rating === null
        ? []
        : outbox.statements(compiler, 'conversation.rated', scope, { conversation, ...rating, messageId: message.id })),
    ];
  };

  return {
    wants: wantsMessage,

    async enqueue(db, message) {
      if (!wantsMessage(message)) return;
      const widgetId = await widgetOf(db, message.conversationId);
      if (widgetId === undefined) return;
      for (const query of messageStatements(message, widgetId)) await db.executeQuery(query);
    },

    messageStatements,

    async conversationCreated(db, row) {
      const scope = { widgetId: row.widget_id, orderKey: row.id };
      const conversation = { id: row.id, widgetId: row.widget_id, identityUserId: row.identity_user_id, createdAt: row.created_at };
      await outbox.enqueue(db, 'conversation.created', scope, { conversation });
    },

    async ownershipChanged(db, change) {
      const kind = changeOf(change);
      const conversationId = change.next.conversationId;
      if (kind === null || !outbox.wants('conversation.ownership_changed', any(false))) return null;
      const widgetId = await widgetOf(db, conversationId);
      if (widgetId === undefined) return null;
      const agent = async (id: string | null) =>
        id === null ? null : ((await db.selectFrom('agents').select(['id', 'name']).where('id', '=', id).executeTakeFirst()) ?? null);
      const team =
        change.next.teamId === null
          ? null
          : ((await db.selectFrom('teams').select(['id', 'name']).where('id', '=', change.next.teamId).executeTakeFirst()) ?? null);
      const data = {
        conversation: { id: conversationId, widgetId },
        change: kind,
        owner: change.next.owner,
        assignee: await agent(change.next.assigneeId),
        previousAssignee: await agent(change.previous.assigneeId),
        team,
        actor: change.actor,
        snoozedUntil: change.next.snoozedUntil,
      };
      return (trx) => outbox.enqueue(trx, 'conversation.ownership_changed', { widgetId, orderKey: conversationId }, data);
    },

    async emailLeft(db, conversation, contact) {
      const scope = { widgetId: conversation.widget_id, orderKey: conversation.id };
      await outbox.enqueue(db, 'conversation.email_left', scope, {
        conversation: { id: conversation.id, widgetId: conversation.widget_id },
        contact,
      });
    },
  };
}

/** The webhook's name for an ownership change; null for activity that is no ownership change (blocks). */
function changeOf(change: OwnershipChange): WebhookOwnershipChange | null {
  switch (change.kind) {
    case 'assigned':
      return change.previous.owner === 'human' &&
        change.previous.assigneeId !== null &&
        change.previous.assigneeId !== change.next.assigneeId
        ? 'transferred'
        : 'assigned';
    case 'handoff':
    case 'queued':
    case 'handed_back':
    case 'resolved':
    case 'reopened':
    case 'snoozed':
    case 'woke':
      return change.kind;
    default:
      return null;
  }
}

async function widgetOf(db: Db, conversationId: string): Promise<string | undefined> {
  return (await db.selectFrom('conversations').select('widget_id').where('id', '=', conversationId).executeTakeFirst())?.widget_id;
}

function ratingOf(payload: Message['payload']): { score: number; comment: string | null } | null {
  if (payload?.['event'] !== 'rating' || typeof payload['score'] !== 'number') return null;
  return { score: payload['score'], comment: typeof payload['comment'] === 'string' ? payload['comment'] : null };
}
