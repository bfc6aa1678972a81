import { MESSAGE_TEXT_MAX, metaSchema, type Author, type ConversationOwner, type Message } from '@parley/protocol';
import * as v from 'valibot';
import { ApiError } from '../http/api-error.js';
import type { ExecutionIds } from '../n8n/execution-ids.js';
import { n8nText, type N8nShown } from '../n8n/n8n-text.js';
import type { Db } from '../store/database.js';
import { minimiseMeta } from '../privacy/user-agent-meta.js';
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

/** The answer to a `sendMessage`: the bot's messages, and when a person owns the conversation, the push channel's id. */
export interface N8nTurn {
  readonly messages: Message[];
  /**
   * Set when a person owns (or is asked to own) the conversation after this turn: the `executionId`
   * @n8n/chat opens `/chat` with, so the agent's replies reach it live. Its socket starts after the
   * visitor's message, so the bot's last words and anything an agent said meanwhile arrive first.
   */
  readonly executionId: string | undefined;
  /** The conversation's language: what the server itself says in the answer is in it. */
  readonly language: string;
}

/** Who a `/chat` socket speaks for, once its sessionId and executionId were checked. */
export interface N8nSocketTarget {
  readonly conversationId: string;
  /** The conversation's widget: the visitor volume limits count the socket's messages per widget too. */
  readonly widgetId: string;
  readonly author: Author;
  readonly botId: string | null;
  readonly language: string;
  /** The socket delivers the conversation's messages after this seq. */
  readonly afterSeq: number;
}

export interface N8nChatDeps {
  readonly db: Db;
  readonly widgets: WidgetService;
  readonly engine: ConversationEngine;
  readonly botTurns: BotTurns;
  /** Who owns the conversation now (conversation ownership); the bot when unknown. */
  readonly owner: (conversationId: string) => Promise<ConversationOwner>;
  readonly executions: ExecutionIds;
  /** The server's public URL: stored file paths become absolute links for a client on another origin. */
  readonly publicUrl: string;
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
  private readonly db: Db;
  private readonly widgets: WidgetService;
  private readonly engine: ConversationEngine;

  constructor(private readonly deps: N8nChatDeps) {
    this.db = deps.db;
    this.widgets = deps.widgets;
    this.engine = deps.engine;
  }

  /** Markdown of a message for an n8n client, '' when it has nothing to show. */
  text(message: N8nShown): string {
    return n8nText(message, this.deps.publicUrl);
  }

  /** Stores the visitor's message and runs the bot's turn, telling `observer` what happens as it happens. */
  async sendMessage(request: N8nRequest, chatInput: string, observer: TurnObserver = {}): Promise<N8nTurn> {
    const { effective, conversation } = await this.open(request, true);
    if (effective.botId === null) {
      throw new ApiError(
        'PARLEY_ERR_WIDGET_NO_BOT',
        'This widget has no bot to answer visitors; set botId on the widget or its blueprint.',
      );
    }
    const text = chatInput.trim().slice(0, MESSAGE_TEXT_MAX);
    const { message } = await this.engine.append({
      conversationId: conversation.id,
      author: visitorAuthor(conversation),
      type: 'text',
      text,
    });
    const language = conversationLanguage(conversation, effective.language);
    const messages = await this.deps.botTurns.runBot(conversation.id, effective.botId, language, observer);
    const owner = await this.deps.owner(conversation.id);
    const live = owner === 'queued' || owner === 'human';
    return {
      messages,
      language,
      executionId: live
        ? this.deps.executions.issue(request.sessionId, { conversationId: conversation.id, afterSeq: message.seq })
        : undefined,
    };
  }

  /**
   * Checks a `/chat` socket: the executionId must be one this server issued for this sessionId (and
   * not expired), its conversation still the session's, and the page's Origin on the widget's allowlist.
   */
  async openSocket(sessionId: string, executionId: string, origin: string | undefined): Promise<N8nSocketTarget> {
    const execution = this.deps.executions.verify(sessionId, executionId);
    if (execution === undefined) {
      throw new ApiError(
        'PARLEY_ERR_AUTH_TOKEN_INVALID',
        'This executionId was not issued for this sessionId or has expired; send a message to get a new one.',
      );
    }
    const conversation = await this.engine.getConversation(execution.conversationId);
    if (conversation === undefined || conversation.identity_user_id !== `${IDENTITY_PREFIX}${sessionId}`) {
      throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
    }
    const effective = await this.widgets.settings(conversation.widget_id);
    // Browsers always send Origin on a WebSocket upgrade; a missing one is a server, as for sessions.
    this.widgets.assertOrigin(effective, origin, true);
    return {
      conversationId: conversation.id,
      widgetId: conversation.widget_id,
      author: visitorAuthor(conversation),
      botId: effective.botId,
      language: conversationLanguage(conversation, effective.language),
      afterSeq: execution.afterSeq,
    };
  }

  /** The language of the session's conversation (the widget's when it has none yet), for what the server says itself. */
  async language(request: N8nRequest): Promise<string> {
    const { effective, conversation } = await this.open(request, false);
    return conversation === undefined ? resolveLanguage(undefined, effective) : conversationLanguage(conversation, effective.language);
  }

  /** The session's conversation so far (an unknown session has none). Private notes and events are left out. */
  async loadPreviousSession(request: N8nRequest): Promise<LangChainMessage[]> {
    const { conversation } = await this.open(request, false);
    if (conversation === undefined) return [];
    const messages = await this.engine.messagesAfter(conversation.id, 0);
    return messages.flatMap((message) => {
      if (message.author.role === 'system' || message.type === 'event' || String(message.type) === 'note') return [];
      const kind = message.author.role === 'visitor' ? 'HumanMessage' : 'AIMessage';
      const content = this.text(message);
      // @n8n/chat shows an empty entry as "<Empty response>": a message with nothing to show is left out.
      if (content === '') return [];
      return [
        {
          lc: 1,
          type: 'constructor',
          id: ['langchain_core', 'messages', kind],
          kwargs: { content, additional_kwargs: {}, response_metadata: {} },
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
    // A raw User-Agent the page passes as metadata is stored reduced, as the widget's is (issue 18).
    const meta = minimiseMeta({
      ...(metadata.success ? metadata.output : {}),
      language: resolveLanguage(undefined, effective),
      app: 'n8n',
      widgetId: widget.id,
    });
    const id = newId('conv');
    // The conversation and its conversation.created outbox rows commit together (or not at all).
    const conversation = await this.db.transaction().execute(async (trx) => {
      await store.insertConversation(trx, {
        id,
        widget_id: widget.id,
        contact_id: null,
        status: 'open',
        identity_user_id: identity,
        meta: JSON.stringify(meta),
        created_at: now,
        updated_at: now,
      });
      const row = await store.getConversation(trx, id);
      if (row === undefined) throw new Error(`conversation ${id} vanished right after it was created`);
      await this.engine.webhooks.conversationCreated(trx, row);
      return row;
    });
    return { effective, conversation };
  }
}

type Effective = Awaited<ReturnType<WidgetService['resolve']>>['effective'];
