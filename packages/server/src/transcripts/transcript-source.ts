import type { ConversationEngine } from '../engine/conversation-engine.js';
import { MAX_MESSAGES_PER_READ } from '../engine/conversation-engine.js';
import type { InboxService } from '../engine/inbox-service.js';
import { withoutNotes } from '../engine/private-notes.js';
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
  const detail = await readers.inbox.detail(conversationId, readerId);
  const widgetName = await readers.widgets.get(detail.conversation.widgetId).then(
    (widget) => widget.name,
    () => null, // A deleted widget keeps its conversations; the transcript names it by id then.
  );
  const head: TranscriptHead = {
    conversation: detail.conversation,
    contact: detail.contact,
    widget: { id: detail.conversation.widgetId, name: widgetName },
    pageUrl: detail.context.pageUrl,
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
        transcriptEntry(message, readers.publicUrl, detail.contact.name),
      );
      if (messages.length < MAX_MESSAGES_PER_READ) return;
    }
  }
  return { head, pages: pages() };
}
