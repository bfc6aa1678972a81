import { conversationChannel, type BusGap } from '../bus/bus.js';
import { INBOX_CHANNEL } from '../engine/inbox-feed.js';
import { agentsChannel } from '../engine/private-notes.js';

const CONVERSATION_PREFIXES = [conversationChannel(''), agentsChannel('')];

/** Whether a bus gap may have cost a conversation's links events: its own channel or its agents-only one. */
export function gapTouchesConversation(gap: BusGap, conversationId: string): boolean {
  return gap.kind === 'all' || gap.channels.has(conversationChannel(conversationId)) || gap.channels.has(agentsChannel(conversationId));
}

/**
 * The conversations whose inbox entries may be stale after a bus gap: none when the inbox channel's
 * events all got through, else those named by the gap's conversation channels (an inbox event is
 * published beside an event on the conversation's own channels), or 'all' when it cannot name them.
 */
export function inboxEntriesAfter(gap: BusGap): ReadonlySet<string> | 'all' | null {
  if (gap.kind === 'all') return 'all';
  if (!gap.channels.has(INBOX_CHANNEL)) return null;
  const conversations = new Set<string>();
  for (const channel of gap.channels) {
    const prefix = CONVERSATION_PREFIXES.find((candidate) => channel.startsWith(candidate));
    if (prefix !== undefined) conversations.add(channel.slice(prefix.length));
  }
  return conversations.size === 0 ? 'all' : conversations;
}
