import type { Author } from '@parley/protocol';
import type { ConversationRow } from '../store/conversations-store.js';

/** How the visitor signs what they send: as their contact once they have one, so every conversation of theirs agrees. */
export function visitorAuthor(conversation: Pick<ConversationRow, 'id' | 'contact_id'>): Author {
  return { role: 'visitor', id: conversation.contact_id ?? conversation.id, name: 'Visitor' };
}

/** The language the visitor's conversation runs in (chosen at its start), else the widget's. */
export function conversationLanguage(conversation: Pick<ConversationRow, 'meta'>, widgetLanguage: string): string {
  const meta: unknown = JSON.parse(conversation.meta);
  return typeof meta === 'object' && meta !== null && 'language' in meta && typeof meta.language === 'string'
    ? meta.language
    : widgetLanguage;
}
