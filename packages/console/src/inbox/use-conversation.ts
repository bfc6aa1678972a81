import type { CallingConnection, Connection } from '@parley/client';
import type { Author, InboxActivity, Message } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { InboxDetail } from '../types.js';
import { agentConnection } from './agent-connection.js';
import type { TimelineEntry } from './message-list.js';
import { notifyMessage } from './notifications.js';

export interface ConversationState {
  readonly detail: InboxDetail | null;
  readonly error: string | null;
  readonly entries: readonly TimelineEntry[];
  readonly visitorTyping: boolean;
  readonly visitorReadSeq: number;
  readonly lastAgentSeq: number;
  readonly linkState: string;
  readonly owner: string | null;
  readonly assignee: { readonly id: string; readonly name: string } | null;
  readonly reload: () => void;
  /** Whether older messages than those shown exist: `loading` while a page of them is read. */
  readonly earlier: 'more' | 'loading' | 'none';
  /** Reads the page of messages before the oldest shown. */
  readonly loadEarlier: () => void;
  readonly send: (text: string) => Promise<boolean>;
  readonly addNote: (text: string) => Promise<boolean>;
  /** A message stored by another request (a sent file): shown at once, without waiting for the realtime echo. */
  readonly received: (message: Message) => void;
  readonly typing: (active: boolean) => void;
  readonly setError: (error: string | null) => void;
  /** The conversation's realtime link once made (calls travel on it); null before. */
  readonly link: CallingConnection | null;
}

function isNote(message: Message): boolean {
  // Notes are stored as messages of type `note` that the gateway delivers to agents only.
  return message.type === 'note';
}

/**
 * Puts activity lines among the messages by time. While earlier messages are not loaded yet, lines older
 * than the first message shown wait for them (they would otherwise sit above the wrong messages).
 */
function mergeActivity(entries: TimelineEntry[], activity: readonly InboxActivity[], allLoaded: boolean): void {
  const first = entries[0]?.createdAt ?? null;
  for (const line of activity) {
    if (!allLoaded && first !== null && line.createdAt < first) continue;
    const entry: TimelineEntry = {
      key: line.id,
      kind: 'activity',
      author: { role: 'system', name: '' },
      text: '',
      createdAt: line.createdAt,
      activity: line,
    };
    const at = entries.findIndex((other) => other.createdAt !== null && other.createdAt > line.createdAt);
    if (at < 0) entries.push(entry);
    else entries.splice(at, 0, entry);
  }
}

/** Messages read per page of history: the newest on opening, then one more per scroll up. */
const PAGE = 50;
/** `before` past any seq: the newest page. */
const NEWEST = Number.MAX_SAFE_INTEGER;

const historyPage = (conversationId: string, before: number) =>
  api.get<{ items: Message[] }>(`/v1/conversations/${encodeURIComponent(conversationId)}/messages?before=${before}&limit=${PAGE}`);

/**
 * One open conversation: its detail (REST), its history and live events (the realtime gateway as
 * the agent), notes, the visitor's typing and read cursor, and sending with an outbox. The history
 * is read from the end, a page at a time: a conversation of thousands of messages opens as fast as
 * a short one.
 */
export function useConversation(conversationId: string, token: string | null, agentName: string): ConversationState {
  const [detail, setDetail] = useState<InboxDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [messages, setMessages] = useState<readonly Message[]>([]);
  const [pending, setPending] = useState<readonly { clientId: string; text: string }[]>([]);
  const [streams, setStreams] = useState<ReadonlyMap<string, { author: Author; text: string }>>(new Map());
  const [visitorTyping, setVisitorTyping] = useState(false);
  const [visitorReadSeq, setVisitorReadSeq] = useState(0);
  const [status, setStatus] = useState<{ owner: string; assignee: { id: string; name: string } | null } | null>(null);
  const [linkState, setLinkState] = useState('connecting');
  const [earlier, setEarlier] = useState<'more' | 'loading' | 'none'>('none');
  const [activity, setActivity] = useState<readonly InboxActivity[]>([]);
  const connection = useRef<Connection | null>(null);
  const [liveLink, setLink] = useState<CallingConnection | null>(null);

  const addMessages = (incoming: readonly Message[]) =>
    setMessages((current) => {
      const byId = new Map(current.map((m) => [m.id, m]));
      for (const message of incoming) byId.set(message.id, message);
      return [...byId.values()].sort((a, b) => a.seq - b.seq);
    });

  const reload = () => {
    api
      .get<InboxDetail>(`/v1/inbox/${encodeURIComponent(conversationId)}`)
      .then(setDetail, (caught: unknown) => setError(`This conversation could not be loaded: ${errorText(caught)}`));
    reloadActivity();
  };
  // Assignments, snoozes, resolves: read again whenever the conversation's status is announced (every
  // ownership change is). A failure leaves the lines already shown: the messages matter more.
  const reloadActivity = () => {
    api.get<{ items: InboxActivity[] }>(`/v1/inbox/${encodeURIComponent(conversationId)}/activity`).then(
      (answer) => setActivity(answer.items),
      () => undefined,
    );
  };

  /** The live events of the link, into this hook's state; returns the unsubscribes. */
  const arrived = (batch: readonly Message[]) => {
    addMessages(batch);
    const visitor = batch.findLast((message) => message.author.role === 'visitor');
    if (visitor === undefined) return;
    setVisitorTyping(false);
    if (document.hidden) notifyMessage(visitor.author.name || 'the visitor', visitor.text, () => window.focus());
  };

  const listen = (link: Connection): (() => void)[] => [
    link.on('message', (message) => arrived([message])),
    link.on('messages', arrived),
    link.on('ack', (ack) => setPending((current) => current.filter((p) => p.clientId !== ack.clientId))),
    link.on('typing', (frame) => frame.author.role === 'visitor' && setVisitorTyping(frame.active)),
    link.on('read', (frame) => frame.reader.role === 'visitor' && setVisitorReadSeq((seq) => Math.max(seq, frame.seq))),
    link.on('state', (state) => setLinkState(state.kind === 'open' ? `live (${state.transport})` : state.kind)),
    link.on(
      'error',
      (failure) => failure.clientId !== undefined && setError(`A reply was not sent: ${failure.message}. It is kept and retried.`),
    ),
    link.on('frame', (frame) => {
      if (frame.type === 'stream_delta') {
        setStreams((current) => {
          const next = new Map(current);
          next.set(frame.streamId, { author: frame.author, text: (current.get(frame.streamId)?.text ?? '') + frame.delta });
          return next;
        });
      } else if (frame.type === 'stream_end') {
        setStreams((current) => {
          const next = new Map(current);
          next.delete(frame.streamId);
          return next;
        });
      } else if (frame.type === 'status') {
        setStatus({ owner: frame.owner, assignee: frame.assignee });
        reloadActivity();
      }
    }),
  ];

  useEffect(() => {
    reload();
    let stopped = false;
    let link: CallingConnection | null = null;
    let offs: (() => void)[] = [];
    // History over REST first, so it shows even before (or without) a realtime link. The link then
    // resumes after it: from seq 0 the gateway would send the whole history a second time.
    historyPage(conversationId, NEWEST)
      .then(
        (page) => {
          addMessages(page.items);
          setEarlier(page.items.length < PAGE ? 'none' : 'more');
          return page.items.at(-1)?.seq ?? 0;
        },
        () => 0,
      )
      .then((lastSeq) => {
        if (stopped) return;
        link = agentConnection(token, conversationId, lastSeq);
        connection.current = link;
        setLink(link);
        offs = listen(link);
        link.connect();
      });
    return () => {
      stopped = true;
      offs.forEach((off) => off());
      link?.close();
      connection.current = null;
      setLink(null);
    };
  }, [conversationId, token]);

  const loadEarlier = () => {
    const oldest = messages[0]?.seq;
    if (earlier !== 'more' || oldest === undefined) return;
    setEarlier('loading');
    historyPage(conversationId, oldest).then(
      (page) => {
        addMessages(page.items);
        setEarlier(page.items.length < PAGE ? 'none' : 'more');
      },
      (caught: unknown) => {
        setEarlier('more');
        setError(`Earlier messages could not be loaded: ${errorText(caught)}`);
      },
    );
  };

  // Everything shown while the tab is visible counts as read by the agent. (The stored read comes
  // back as an inbox event, which recounts the unread messages in the tab title.)
  const lastSeq = messages.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastSeq > 0 && !document.hidden && connection.current?.state.kind === 'open') connection.current.markRead(lastSeq);
  }, [lastSeq, linkState]);

  /** Stores a reply or a note over REST; the stored message shows at once. */
  const store = async (kind: 'messages' | 'notes', text: string, failure: string): Promise<boolean> => {
    try {
      const answer = await api.post<{ message: Message }>(`/v1/inbox/${encodeURIComponent(conversationId)}/${kind}`, { text });
      addMessages([answer.message]);
      return true;
    } catch (caught) {
      setError(`${failure}: ${errorText(caught)}`);
      return false;
    }
  };

  // Live, a reply goes through the link's outbox (kept and resent until acked); otherwise over REST.
  const send = async (text: string): Promise<boolean> => {
    const link = connection.current;
    if (link === null || link.state.kind !== 'open') return store('messages', text, 'The reply was not sent');
    const entry = link.send(text);
    setPending((current) => [...current, { clientId: entry.clientId, text }]);
    return true;
  };

  // Notes are messages too (type `note`, their own seq), so the seq order is the conversation's order.
  const entries: TimelineEntry[] = messages.map((m) => ({
    key: m.id,
    kind: isNote(m) ? ('note' as const) : ('message' as const),
    author: m.author,
    text: m.text,
    createdAt: m.createdAt,
    seq: m.seq,
    message: m,
  }));
  mergeActivity(entries, activity, earlier === 'none');
  for (const [streamId, stream] of streams)
    entries.push({ key: `stream-${streamId}`, kind: 'stream', author: stream.author, text: stream.text, createdAt: null });
  for (const p of pending)
    entries.push({
      key: `pending-${p.clientId}`,
      kind: 'pending',
      author: { role: 'agent', name: agentName },
      text: p.text,
      createdAt: null,
    });
  const lastAgentSeq = messages.filter((m) => m.author.role === 'agent' && !isNote(m)).at(-1)?.seq ?? -1;

  return {
    link: liveLink,
    detail,
    error,
    entries,
    visitorTyping,
    visitorReadSeq,
    lastAgentSeq,
    linkState,
    owner: status?.owner ?? detail?.conversation.owner ?? null,
    assignee: status === null ? (detail?.conversation.assignee ?? null) : status.assignee,
    reload,
    earlier,
    loadEarlier,
    send,
    addNote: (text) => store('notes', text, 'The note was not saved'),
    received: (message) => addMessages([message]),
    typing: (active) => connection.current?.typing(active),
    setError,
  };
}
