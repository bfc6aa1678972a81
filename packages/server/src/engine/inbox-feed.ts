import type { InboxEventReason } from '@parley/protocol';
import type { Bus } from '../bus/bus.js';

/** One channel for every conversation change agents' inbox streams show. Payload: `{ conversationId, reason }` as JSON. */
export const INBOX_CHANNEL = 'parley:inbox';
const CONVERSATION_PREFIX = 'parley:conv:';

export interface InboxEvent {
  readonly conversationId: string;
  readonly reason: InboxEventReason;
}

interface Log {
  warn(details: object, message: string): void;
}

export async function publishInboxEvent(bus: Bus, log: Log, conversationId: string, reason: InboxEventReason): Promise<void> {
  try {
    await bus.publish(INBOX_CHANNEL, JSON.stringify({ conversationId, reason }));
  } catch (error) {
    // Best effort like every bus event: an inbox that missed one refetches its list on reconnect.
    log.warn({ err: error, conversationId }, 'could not publish an inbox event');
  }
}

export function parseInboxEvent(payload: string): InboxEvent | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null || !('conversationId' in value) || !('reason' in value)) return undefined;
    const { conversationId, reason } = value;
    if (typeof conversationId !== 'string') return undefined;
    if (reason !== 'created' && reason !== 'message' && reason !== 'ownership' && reason !== 'read' && reason !== 'call') return undefined;
    return { conversationId, reason };
  } catch {
    // Not ours (another version on the same Redis): dropped.
    return undefined;
  }
}

/**
 * The bus the conversation engine and signals publish through: every new message, and every read
 * by an agent, is also announced on the inbox channel, so inbox streams update without the engine
 * knowing about them. Only the event header is read (`message|seq|origin`), never the JSON body.
 */
export function withInboxFeed(bus: Bus, log: Log): Bus {
  return {
    async publish(channel, payload) {
      await bus.publish(channel, payload);
      if (!channel.startsWith(CONVERSATION_PREFIX)) return;
      const header = payload.slice(0, payload.indexOf('\n'));
      // A conversation's first message (the greeting or the visitor's first words) is when it appears in the inbox.
      const reason: InboxEventReason | null = header.startsWith('message|1|')
        ? 'created'
        : header.startsWith('message|')
          ? 'message'
          : header.startsWith('read|') && header.includes('|agent:')
            ? 'read'
            : null;
      if (reason !== null) await publishInboxEvent(bus, log, channel.slice(CONVERSATION_PREFIX.length), reason);
    },
    subscribe: (channel, handler) => bus.subscribe(channel, handler),
    close: () => bus.close(),
  };
}
