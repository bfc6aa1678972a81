import { AUTHOR_ROLES, MESSAGE_TYPES, type InboxEventReason, type Message } from '@parley/protocol';
import type { Bus } from '../bus/bus.js';

/**
 * One channel for every conversation change agents' inbox streams show. Payload: `{ conversationId, reason }` as
 * JSON, and for a new message or an agent's read the conversation event's own frame as `frame` (`{ type: 'message',
 * message }`, `{ type: 'read', reader, seq }`), so that a node can update the entries it holds without reading
 * them (realtime/inbox-items.ts). A node of an earlier version reads `conversationId` and `reason` only.
 */
export const INBOX_CHANNEL = 'parley:inbox';
const CONVERSATION_PREFIX = 'parley:conv:';

export interface InboxEvent {
  readonly conversationId: string;
  readonly reason: InboxEventReason;
  /** The new message (`created`, `message`), when the event carries it. */
  readonly message?: Message;
  /** The agent whose read cursor moved, and where to (`read`), when the event carries it. */
  readonly read?: { readonly agentId: string; readonly seq: number };
}

interface Log {
  warn(details: object, message: string): void;
}

export async function publishInboxEvent(bus: Bus, log: Log, conversationId: string, reason: InboxEventReason): Promise<void> {
  await publishRaw(bus, log, conversationId, JSON.stringify({ conversationId, reason }));
}

async function publishRaw(bus: Bus, log: Log, conversationId: string, payload: string): Promise<void> {
  try {
    await bus.publish(INBOX_CHANNEL, payload);
  } catch (error) {
    // Best effort like every bus event: an inbox that missed one refetches its list on reconnect.
    log.warn({ err: error, conversationId }, 'could not publish an inbox event');
  }
}

const REASONS: readonly InboxEventReason[] = ['created', 'message', 'ownership', 'read', 'call'];

export function parseInboxEvent(payload: string): InboxEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    // Not ours (another version on the same Redis): dropped.
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const { conversationId, frame } = value;
  const reason = REASONS.find((known) => known === value['reason']);
  if (typeof conversationId !== 'string' || reason === undefined) return undefined;
  const event = { conversationId, reason };
  // A frame that does not say what it should is left out: the entry is read instead.
  if (!isObject(frame)) return event;
  if ((reason === 'message' || reason === 'created') && frame['type'] === 'message') {
    const message = messageOf(frame['message'], conversationId);
    return message === undefined ? event : { ...event, message };
  }
  if (reason === 'read' && frame['type'] === 'read' && isObject(frame['reader'])) {
    const { role, id } = frame['reader'];
    const seq = frame['seq'];
    if (role === 'agent' && typeof id === 'string' && isSeq(seq)) return { ...event, read: { agentId: id, seq } };
  }
  return event;
}

/**
 * The bus the conversation engine and signals publish through: every new message, and every read
 * by an agent, is also announced on the inbox channel, so inbox streams update without the engine
 * knowing about them. The event's header (`message|seq|origin`) says which; its JSON body (the frame) is
 * passed on as it is, never parsed here.
 */
export function withInboxFeed(bus: Bus, log: Log): Bus {
  return {
    async publish(channel, payload) {
      await bus.publish(channel, payload);
      if (!channel.startsWith(CONVERSATION_PREFIX)) return;
      const newline = payload.indexOf('\n');
      const header = payload.slice(0, newline);
      // A conversation's first message (the greeting or the visitor's first words) is when it appears in the inbox.
      const reason: InboxEventReason | null = header.startsWith('message|1|')
        ? 'created'
        : header.startsWith('message|')
          ? 'message'
          : header.startsWith('read|') && header.includes('|agent:')
            ? 'read'
            : null;
      if (reason === null) return;
      const conversationId = channel.slice(CONVERSATION_PREFIX.length);
      const event = `{"conversationId":${JSON.stringify(conversationId)},"reason":"${reason}","frame":${payload.slice(newline + 1)}}`;
      await publishRaw(bus, log, conversationId, event);
    },
    subscribe: (channel, handler) => bus.subscribe(channel, handler),
    close: () => bus.close(),
  };
}

function messageOf(value: unknown, conversationId: string): Message | undefined {
  if (!isObject(value)) return undefined;
  const { id, seq, text, payload, clientId, createdAt, author } = value;
  if (!isObject(author)) return undefined;
  const { id: authorId, name } = author;
  const role = AUTHOR_ROLES.find((known) => known === author['role']);
  const type = MESSAGE_TYPES.find((known) => known === value['type']);
  if (typeof id !== 'string' || value['conversationId'] !== conversationId || !isSeq(seq) || seq < 1) return undefined;
  if (role === undefined || typeof authorId !== 'string' || typeof name !== 'string') return undefined;
  if (type === undefined || typeof text !== 'string' || typeof createdAt !== 'string') return undefined;
  if (!(payload === null || isObject(payload)) || !(clientId === null || typeof clientId === 'string')) return undefined;
  return {
    id,
    conversationId,
    seq,
    author: { role, id: authorId, name },
    type,
    text,
    payload,
    clientId,
    createdAt,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
