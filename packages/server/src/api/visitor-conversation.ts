import type { FastifyRequest } from 'fastify';
import type { WidgetSettings } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../engine/conversation-engine.js';
import { conversationLanguage, visitorAuthor } from '../engine/conversation-visitor.js';
import { visitorSubject } from '../blocks/index.js';
import { ApiError } from '../http/api-error.js';
import { conversationSession } from '../http/auth-plugin.js';
import type { Services } from '../services.js';
import type { ConversationRow } from '../store/conversations-store.js';
import type { Requester } from '../limits/visitor-limits.js';

/** A visitor's conversation with the effective settings of its widget. */
export interface VisitorConversation {
  readonly conversation: ConversationRow;
  readonly effective: WidgetSettings;
}

/** The conversation a visitor's session token reaches: its own, and only while its widget exists. */
export async function visitorConversation(
  { widgets, engine, blocks }: Pick<Services, 'widgets' | 'engine' | 'blocks'>,
  request: FastifyRequest<{ Params: { id: string } }>,
): Promise<VisitorConversation> {
  const claims = conversationSession(request);
  const effective = await widgets.settings(claims.wid);
  const conversation = await engine.getConversation(claims.sub);
  if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  await blocks.assertAllowed({ widgetId: claims.wid, visitor: visitorSubject(conversation), address: request.ip });
  return { conversation, effective };
}

/** Who a visitor's REST request counts against for volume limits: its address, widget and session. */
export function requester(request: FastifyRequest, { conversation }: VisitorConversation): Requester {
  return { address: request.ip, widgetId: conversation.widget_id, sessionId: conversation.id };
}

/**
 * Stores what the visitor sent (over REST: a text or an upload) and, when it is new and the widget
 * has a bot, starts the bot's turn in the background, in the conversation's language.
 */
export async function appendVisitorMessage(
  { engine, botTurns }: Pick<Services, 'engine' | 'botTurns'>,
  { conversation, effective }: VisitorConversation,
  message: Omit<AppendInput, 'conversationId' | 'author'>,
): Promise<AppendResult> {
  const result = await engine.append({ conversationId: conversation.id, author: visitorAuthor(conversation), ...message });
  if (result.created && effective.botId !== null) {
    // The owner the writer read in the message's transaction (SQLite): a human's conversation takes no bot turn.
    botTurns.startBotTurn(conversation.id, effective.botId, conversationLanguage(conversation, effective.language), result.ownerAtCommit);
  }
  return result;
}
