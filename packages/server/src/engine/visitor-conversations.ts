import {
  VISITOR_CONVERSATIONS_MAX,
  type SessionCreated,
  type VisitorConversationStart,
  type VisitorConversationSummary,
} from '@parley/protocol';
import type { VerifiedSession } from '../auth/session-tokens.js';
import { visitorSubject, type Blocklist } from '../blocks/index.js';
import { ApiError } from '../http/api-error.js';
import type { Db } from '../store/database.js';
import type { ConversationRow } from '../store/conversations-store.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { SessionService } from './session-service.js';

const EXCERPT_MAX = 140;
type Visitor = ConversationRow & { readonly visitor_key: string | null };

/**
 * Several conversations per visitor (issue 20), behind the widget's `conversations.multiple`. A visitor is the one
 * the session token's conversation belongs to: with a verified identity, every conversation of that user id on the
 * widget (on any device); without, the conversations started from one another's sessions (`visitor_key`, the first
 * one's id). Nothing else links two conversations, so a visitor can neither list nor open anyone else's.
 */
export class VisitorConversations {
  constructor(
    private readonly db: Db,
    private readonly widgets: WidgetService,
    private readonly sessions: SessionService,
    private readonly blocks: Blocklist,
  ) {}

  async list(claims: VerifiedSession, widgetId: string, address: string): Promise<VisitorConversationSummary[]> {
    const visitor = await this.visitor(claims, widgetId, address);
    const rows = await this.db
      .selectFrom('conversations as c')
      .leftJoin('conversation_states as s', 's.conversation_id', 'c.id')
      .select(['c.id', 'c.created_at', 's.owner'])
      .where('c.widget_id', '=', widgetId)
      .where((eb) =>
        visitor.identity_user_id === null
          ? eb.and([
              eb('c.identity_user_id', 'is', null),
              eb.or([eb('c.id', '=', keyOf(visitor)), eb('c.visitor_key', '=', keyOf(visitor))]),
            ])
          : eb('c.identity_user_id', '=', visitor.identity_user_id),
      )
      .orderBy('c.id', 'desc')
      .limit(VISITOR_CONVERSATIONS_MAX)
      .execute();
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    // The last message a visitor may see in each (never a private note), in one query.
    const last = await this.db
      .selectFrom('messages as m')
      .select(['m.conversation_id', 'm.author_role', 'm.author_name', 'm.type', 'm.text', 'm.created_at'])
      .where('m.conversation_id', 'in', ids)
      .where('m.seq', '=', (eb) =>
        eb
          .selectFrom('messages as m2')
          .select((inner) => inner.fn.max('m2.seq').as('seq'))
          .whereRef('m2.conversation_id', '=', 'm.conversation_id')
          .where('m2.type', '!=', 'note'),
      )
      .execute();
    // Unread: what the bot, agents and the system said after the visitor's read cursor.
    const unread = await this.db
      .selectFrom('messages as m')
      .select((eb) => ['m.conversation_id', eb.fn.countAll<string | number>().as('n')])
      .where('m.conversation_id', 'in', ids)
      .where('m.type', '!=', 'note')
      .where('m.author_role', '!=', 'visitor')
      .where((eb) =>
        eb(
          'm.seq',
          '>',
          eb.fn.coalesce(
            eb
              .selectFrom('read_cursors as r')
              .select((inner) => inner.fn.max('r.seq').as('seq'))
              .whereRef('r.conversation_id', '=', 'm.conversation_id')
              .where('r.reader_role', '=', 'visitor'),
            eb.lit(0),
          ),
        ),
      )
      .groupBy('m.conversation_id')
      .execute();
    const lastById = new Map(last.map((row) => [row.conversation_id, row]));
    const unreadById = new Map(unread.map((row) => [row.conversation_id, Number(row.n)]));
    return rows.map((row): VisitorConversationSummary => {
      const message = lastById.get(row.id);
      return {
        id: row.id,
        status: row.owner === 'resolved' ? 'resolved' : 'open',
        lastMessage:
          message === undefined
            ? null
            : {
                role: roleOf(message.author_role),
                name: message.author_name,
                type: message.type,
                text: excerpt(message.text),
              },
        lastActivityAt: message?.created_at ?? row.created_at,
        unread: unreadById.get(row.id) ?? 0,
        current: row.id === claims.sub,
      };
    });
  }

  /** A new conversation for the visitor (greeting, bot, webhooks as any new one); the one they came from stays as it is. */
  async start(
    claims: VerifiedSession,
    widgetId: string,
    { address, origin }: { readonly address: string; readonly origin: string | undefined },
    input: VisitorConversationStart,
  ): Promise<SessionCreated> {
    const visitor = await this.visitor(claims, widgetId, address);
    return this.sessions.create({
      widgetId,
      input,
      origin,
      trustedCaller: false,
      address,
      startFrom: { conversation: visitor, visitorKey: keyOf(visitor), consentId: claims.consentId },
    });
  }

  /** A session for another of the visitor's conversations; anyone else's answers as if it did not exist. */
  async open(claims: VerifiedSession, widgetId: string, address: string, conversationId: string): Promise<SessionCreated> {
    const visitor = await this.visitor(claims, widgetId, address);
    const target = await this.row(conversationId);
    const theirs =
      target !== undefined &&
      target.widget_id === widgetId &&
      (visitor.identity_user_id === null
        ? target.identity_user_id === null && keyOf(target) === keyOf(visitor)
        : target.identity_user_id === visitor.identity_user_id);
    if (!theirs) {
      throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `The visitor has no conversation ${JSON.stringify(conversationId)}.`);
    }
    return this.sessions.resume(widgetId, target.id, claims.consentId);
  }

  /** The token's conversation, on this widget, with several conversations allowed and the visitor not blocked. */
  private async visitor(claims: VerifiedSession, widgetId: string, address: string): Promise<Visitor> {
    if (claims.wid !== widgetId) throw new ApiError('PARLEY_ERR_AUTH_FORBIDDEN', `This session token belongs to another widget.`);
    const { effective } = await this.widgets.resolve(widgetId);
    if (!effective.conversations.multiple) {
      throw new ApiError(
        'PARLEY_ERR_CONVERSATIONS_SINGLE',
        `Widget ${widgetId} keeps one conversation per visitor (conversations.multiple is false).`,
      );
    }
    const conversation = await this.row(claims.sub);
    if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    await this.blocks.assertAllowed({ widgetId, visitor: visitorSubject(conversation), address });
    return conversation;
  }

  private row(id: string): Promise<Visitor | undefined> {
    return this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
  }
}

/** Conversations without identity are one visitor's when they share the first one's id. */
function keyOf(conversation: Visitor): string {
  return conversation.visitor_key ?? conversation.id;
}

function roleOf(role: string): 'visitor' | 'bot' | 'agent' | 'system' {
  return role === 'visitor' || role === 'bot' || role === 'agent' ? role : 'system';
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_MAX ? flat : `${flat.slice(0, EXCERPT_MAX - 1)}…`;
}
