import { MESSAGE_TEXT_MAX, metaSchema, type Message } from '@parley/protocol';
import * as v from 'valibot';
import { ApiError } from '../http/api-error.js';
import type { Db } from '../store/database.js';
import { conversationsStore as store, type ConversationRow } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import { resolveLanguage } from '../widgets/language-map.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { BotTurns, TurnObserver } from './bot-turns.js';
import type { ConversationEngine } from './conversation-engine.js';
import { conversationLanguage, visitorAuthor } from './conversation-visitor.js';

/**
 * The n8n chat protocol's `sessionId` names a Parley conversation through the conversation's
 * identity column, namespaced so it never meets a site's own (HMAC-verified) user ids. Like in n8n,
 * the session id is the only credential: whoever knows it can continue and read that conversation.
 */
const IDENTITY_PREFIX = 'n8n:';

export interface N8nRequest {
  readonly widgetId: string;
  readonly sessionId: string;
  readonly origin: string | undefined;
  /** A server calling with an admin key may skip the Origin check, as for sessions. */
  readonly trustedCaller: boolean;
  readonly metadata?: unknown;
}

/** One entry of `loadPreviousSession`'s `data`, in the LangChain-serialised shape @n8n/chat reads. */
export interface LangChainMessage {
  readonly lc: 1;
  readonly type: 'constructor';
  readonly id: readonly ['langchain_core', 'messages', 'HumanMessage' | 'AIMessage'];
  readonly kwargs: { readonly content: string; readonly additional_kwargs: object; readonly response_metadata: object };
}

/**
 * `POST /v1/widgets/{id}/n8n`: lets existing n8n chat clients (`@n8n/chat`) talk to a Parley widget.
 * Their session becomes a stored conversation with the widget's bot, human handoff and the inbox.
 */
export class N8nChat {
  constructor(
    private readonly db: Db,
    private readonly widgets: WidgetService,
    private readonly engine: ConversationEngine,
    private readonly botTurns: BotTurns,
  ) {}

  /** Stores the visitor's message and runs the bot's turn, telling `observer` what happens as it happens. */
  async sendMessage(request: N8nRequest, chatInput: string, observer: TurnObserver = {}): Promise<Message[]> {
    const { effective, conversation } = await this.open(request, true);
    if (effective.botId === null) {
      throw new ApiError(
        'PARLEY_ERR_WIDGET_NO_BOT',
        'This widget has no bot to answer visitors; set botId on the widget or its blueprint.',
      );
    }
    const text = chatInput.trim().slice(0, MESSAGE_TEXT_MAX);
    await this.engine.append({
      conversationId: conversation.id,
      author: visitorAuthor(conversation),
      type: 'text',
      text,
    });
    return this.botTurns.runBot(conversation.id, effective.botId, conversationLanguage(conversation, effective.language), observer);
  }

  /** The session's conversation so far (an unknown session has none). Private notes and events are left out. */
  async loadPreviousSession(request: N8nRequest): Promise<LangChainMessage[]> {
    const { conversation } = await this.open(request, false);
    if (conversation === undefined) return [];
    const messages = await this.engine.messagesAfter(conversation.id, 0);
    return messages.flatMap((message) => {
      if (message.author.role === 'system' || message.type === 'event' || String(message.type) === 'note') return [];
      const kind = message.author.role === 'visitor' ? 'HumanMessage' : 'AIMessage';
      return [
        {
          lc: 1,
          type: 'constructor',
          id: ['langchain_core', 'messages', kind],
          kwargs: { content: n8nText(message), additional_kwargs: {}, response_metadata: {} },
        },
      ];
    });
  }

  private async open(request: N8nRequest, create: true): Promise<{ effective: Effective; conversation: ConversationRow }>;
  private async open(request: N8nRequest, create: false): Promise<{ effective: Effective; conversation: ConversationRow | undefined }>;
  private async open(request: N8nRequest, create: boolean): Promise<{ effective: Effective; conversation: ConversationRow | undefined }> {
    const { row: widget, effective } = await this.widgets.resolve(request.widgetId);
    this.widgets.assertOrigin(effective, request.origin, request.trustedCaller);
    const identity = `${IDENTITY_PREFIX}${request.sessionId}`;
    const existing = await store.latestOpenForIdentity(this.db, widget.id, identity);
    if (existing !== undefined || !create) return { effective, conversation: existing };
    const now = nowIso();
    const metadata = v.safeParse(metaSchema, request.metadata);
    const meta = {
      ...(metadata.success ? metadata.output : {}),
      language: resolveLanguage(undefined, effective),
      app: 'n8n',
      widgetId: widget.id,
    };
    const id = newId('conv');
    await store.insertConversation(this.db, {
      id,
      widget_id: widget.id,
      contact_id: null,
      status: 'open',
      identity_user_id: identity,
      meta: JSON.stringify(meta),
      created_at: now,
      updated_at: now,
    });
    const conversation = await store.getConversation(this.db, id);
    if (conversation === undefined) throw new Error(`conversation ${id} vanished right after it was created`);
    return { effective, conversation };
  }
}

type Effective = Awaited<ReturnType<WidgetService['resolve']>>['effective'];

/** What an n8n chat client can show of a Parley message: its text, with quick replies as a Markdown list. */
export function n8nText(message: Pick<Message, 'type' | 'text' | 'payload'>): string {
  const replies = message.type === 'quick_replies' ? message.payload?.['replies'] : undefined;
  if (!Array.isArray(replies) || replies.length === 0) return message.text;
  return [message.text, replies.map((reply) => `- ${String(reply)}`).join('\n')].filter((part) => part !== '').join('\n\n');
}
