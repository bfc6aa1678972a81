import type { FastifyRequest } from 'fastify';
import type { Author, WidgetSettings } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../engine/conversation-engine.js';
import { ApiError } from '../http/api-error.js';
import { conversationSession } from '../http/auth-plugin.js';
import type { Services } from '../services.js';
import type { ConversationRow } from '../store/conversations-store.js';
import { readJson } from '../store/json.js';

/** A visitor's conversation with the effective settings of its widget. */
export interface VisitorConversation {
  readonly conversation: ConversationRow;
  readonly effective: WidgetSettings;
}

/** The conversation a visitor's session token reaches: its own, and only while its widget exists. */
export async function visitorConversation(
  { widgets, engine }: Pick<Services, 'widgets' | 'engine'>,
  request: FastifyRequest<{ Params: { id: string } }>,
): Promise<VisitorConversation> {
  const claims = conversationSession(request);
  const { effective } = await widgets.resolve(claims.wid);
  const conversation = await engine.getConversation(claims.sub);
  if (conversation === undefined) throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND');
  return { conversation, effective };
}

/** How the visitor signs what they send: as their contact once they have one, so every conversation of theirs agrees. */
export function visitorAuthor(conversation: Pick<ConversationRow, 'id' | 'contact_id'>): Author {
  return { role: 'visitor', id: conversation.contact_id ?? conversation.id, name: 'Visitor' };
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
    const language = readJson<Record<string, string>>(conversation.meta)['language'] ?? effective.language;
    botTurns.startBotTurn(conversation.id, effective.botId, language);
  }
  return result;
}
