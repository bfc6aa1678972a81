import type { ConversationEngine } from '../engine/conversation-engine.js';
import { MAX_MESSAGES_PER_READ } from '../engine/conversation-engine.js';
import type { InboxService } from '../engine/inbox-service.js';
import { withoutNotes } from '../engine/private-notes.js';
import { ApiError } from '../http/api-error.js';
import { readJson } from '../store/json.js';
import type { WidgetService } from '../widgets/widget-service.js';
import { transcriptEntry, type TranscriptEntry } from './transcript-lines.js';
import type { TranscriptHead } from './transcript-render.js';

export interface TranscriptReaders {
  readonly engine: ConversationEngine;
  readonly inbox: InboxService;
  readonly widgets: WidgetService;
  readonly publicUrl: string;
}

export interface TranscriptView {
  readonly timeZone: string;
  readonly locale: string;
  readonly notes: boolean;
}

/**
 * A transcript's head and its messages a page at a time, read for `readerId` (an agent's id; it only
 * decides the unread count nobody shows here). An unknown conversation throws its 404 before anything
 * is written.
 */
export async function readTranscript(readers: TranscriptReaders, conversationId: string, readerId: string, view: TranscriptView) {
  // The inbox item (conversation, contact) and the stored row for its meta: none of the detail's extra
  // reads (earlier conversations, ownership, queue place), which a transcript never shows.
  const [item, row] = await Promise.all([readers.inbox.item(conversationId, readerId), readers.engine.getConversation(conversationId)]);
  if (item === undefined || row === undefined) {
    throw new ApiError('PARLEY_ERR_CONVERSATION_NOT_FOUND', `No conversation has the id ${conversationId}.`);
  }
  const meta = readJson<Record<string, string>>(row.meta);
  const widgetName = await readers.widgets.get(item.conversation.widgetId).then(
    (widget) => widget.name,
    () => null, // A deleted widget keeps its conversations; the transcript names it by id then.
  );
  const head: TranscriptHead = {
    conversation: item.conversation,
    contact: item.contact,
    widget: { id: item.conversation.widgetId, name: widgetName },
    pageUrl: meta['pageUrl'] ?? meta['url'] ?? null,
    exportedAt: new Date(),
    ...view,
  };
  async function* pages(): AsyncGenerator<readonly TranscriptEntry[]> {
    let after = 0;
    for (;;) {
      const messages = await readers.engine.messagesAfter(conversationId, after, MAX_MESSAGES_PER_READ);
      const last = messages.at(-1);
      if (last === undefined) return;
      after = last.seq;
      yield (view.notes ? messages : withoutNotes(messages)).map((message) =>
        transcriptEntry(message, readers.publicUrl, head.contact.name),
      );
      if (messages.length < MAX_MESSAGES_PER_READ) return;
    }
  }
  return { head, pages: pages() };
}
