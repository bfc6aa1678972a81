import type { Message } from '@parley/protocol';

/**
 * Private notes are messages of type `note`: stored in the conversation's seq order so agents see
 * them in place, but only ever delivered to agents. Live, they travel on the agents-only channel
 * (never the conversation channel visitors subscribe to); every read path a visitor, a bot or an
 * export uses drops them with `withoutNotes`.
 */
export const agentsChannel = (conversationId: string): string => `parley:agents:conv:${conversationId}`;

export function isNote(message: Pick<Message, 'type'>): boolean {
  return message.type === 'note';
}

export function withoutNotes<M extends Pick<Message, 'type'>>(messages: readonly M[]): M[] {
  return messages.filter((message) => !isNote(message));
}
