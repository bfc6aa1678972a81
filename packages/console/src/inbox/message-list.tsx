import type { Author, InboxActivity, Message } from '@parley/protocol';
import { Component } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { PaperclipIcon } from '../ui/paperclip-icon.js';
import { dateFormat, exactTime } from '../ui/relative-time.js';
import { formatSize } from './file-upload.js';
import { callLineInEnglish } from '../call/index.js';
import { activityText } from './activity-text.js';
import { Markdown } from './markdown.js';
import { TranslatedText } from './translated-text.js';
import { RichMessage } from './rich-message.js';
import { useStagedTail } from './use-staged-tail.js';

export interface TimelineEntry {
  readonly key: string;
  readonly kind: 'message' | 'note' | 'pending' | 'stream' | 'activity';
  readonly author: Pick<Author, 'role' | 'name'>;
  readonly text: string;
  readonly createdAt: string | null;
  readonly seq?: number;
  readonly message?: Message;
  /** For `activity` entries: an assignment, transfer, snooze, resolve… */
  readonly activity?: InboxActivity;
}

const ROLE_LABEL: Readonly<Record<string, string>> = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent', system: 'System' };

function time(iso: string | null): string {
  return iso === null ? '' : dateFormat('time', undefined, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** A link some bots attach to a text message (a link card): shown as a link to open. */
function PayloadLink(props: { message: Message }) {
  const url = props.message.type === 'text' ? props.message.payload?.['url'] : undefined;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return null;
  const name = props.message.payload?.['name'];
  return (
    <a class="attachment" href={url} target="_blank" rel="noopener noreferrer">
      <PaperclipIcon /> {typeof name === 'string' ? name : 'Attachment'}
    </a>
  );
}

/** A sent file (visitor's or agent's): images inline, anything else as a download link with its name and size. */
function FileView(props: { payload: Readonly<Record<string, unknown>> }) {
  const { url, name, mimeType, size } = props.payload;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return <p class="muted small">A file that can no longer be shown.</p>;
  const label = typeof name === 'string' && name !== '' ? name : 'Attachment';
  const sizeText = typeof size === 'number' ? formatSize(size) : null;
  if (typeof mimeType === 'string' && mimeType.startsWith('image/')) {
    return (
      <a class="attachment-image" href={url} target="_blank" rel="noopener noreferrer">
        <img src={url} alt={label} loading="lazy" />
        <span class="attachment-caption">
          {label}
          {sizeText === null ? '' : ` · ${sizeText}`}
        </span>
      </a>
    );
  }
  return (
    <a class="attachment" href={url} download={label} target="_blank" rel="noopener noreferrer">
      <PaperclipIcon /> {label}
      {sizeText === null ? null : <span class="attachment-size"> · {sizeText}</span>}
      <span class="visually-hidden"> (download)</span>
    </a>
  );
}

interface RowProps {
  readonly entry: TimelineEntry;
  readonly visitorName: string;
  /** The visitor has read this, the agents' last reply. */
  readonly seen: boolean;
  /** The reading agent's id: activity lines say "You" for their own actions. */
  readonly me: string;
}

/**
 * One entry of the timeline. The hook rebuilds the entries on every change, so a row compares what
 * it shows (the stored message, or the text of a pending or streamed one) and renders only when
 * that changed: a new message re-renders the list, not every bubble above it.
 */
class EntryRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const { entry, visitorName, seen } = this.props;
    const same = next.entry.message !== undefined ? next.entry.message === entry.message : next.entry.text === entry.text;
    return (
      !same ||
      next.entry.kind !== entry.kind ||
      next.entry.activity !== entry.activity ||
      next.visitorName !== visitorName ||
      next.seen !== seen
    );
  }

  override render({ entry, visitorName, seen, me }: RowProps) {
    if (entry.activity !== undefined) {
      return (
        <p class="event activity" data-activity={entry.activity.kind}>
          <span>{activityText(entry.activity, me)}</span>
          {entry.createdAt === null ? null : (
            <time class="event-time" dateTime={entry.createdAt} title={exactTime(entry.createdAt)}>
              {time(entry.createdAt)}
            </time>
          )}
        </p>
      );
    }
    const role = entry.kind === 'note' ? 'note' : entry.author.role;
    if (role === 'system' || entry.message?.type === 'event') {
      const event = entry.message?.payload?.['event'];
      return (
        <p class="event">
          {noticeInEnglish(entry.message?.payload?.['notice']) ??
            callLineInEnglish(entry.message?.payload) ??
            (entry.text !== '' ? entry.text : typeof event === 'string' ? event.replaceAll('_', ' ') : 'Conversation event')}
        </p>
      );
    }
    // The server names visitors generically; the contact's name reads better.
    const name = role === 'visitor' ? visitorName : entry.author.name || ROLE_LABEL[role] || role;
    const label = entry.kind === 'note' ? `Private note · ${entry.author.name}` : name;
    return (
      <div class={`bubble-row from-${role}${entry.kind === 'pending' ? ' pending' : ''}`} data-kind={entry.kind}>
        <div class="bubble">
          <div class="bubble-head">
            <span class="bubble-author">{label}</span>
            {entry.kind === 'note' ? null : <span class={`role-tag role-${role}`}>{ROLE_LABEL[role] ?? role}</span>}
            {entry.kind === 'pending' || entry.kind === 'stream' || entry.createdAt === null ? (
              <span class="bubble-time">{entry.kind === 'pending' ? 'sending…' : entry.kind === 'stream' ? 'typing live…' : ''}</span>
            ) : (
              <time class="bubble-time" dateTime={entry.createdAt} title={exactTime(entry.createdAt)}>
                {time(entry.createdAt)}
              </time>
            )}
            <CampaignTag payload={entry.message?.payload ?? null} />
          </div>
          {entry.message?.type === 'file' && entry.message.payload !== null ? (
            <FileView payload={entry.message.payload} />
          ) : entry.message?.translation !== undefined ? (
            <TranslatedText message={entry.message} text={entry.text} />
          ) : (
            <Markdown text={entry.text} live={entry.kind === 'stream'} />
          )}
          {entry.message === undefined ? null : (
            <>
              <RichMessage message={entry.message} />
              <PayloadLink message={entry.message} />
            </>
          )}
        </div>
        {seen ? <span class="receipt">Seen by the visitor</span> : null}
      </div>
    );
  }
}

/**
 * The message a campaign showed the visitor before they wrote (docs/campaigns.md): said, so the agent knows the
 * visitor answered a proactive message rather than an agent who wrote to them. Its name as it was when shown.
 */
function CampaignTag(props: { payload: Readonly<Record<string, unknown>> | null }) {
  const { payload } = props;
  if (typeof payload?.['campaignId'] !== 'string') return null;
  const name = payload['campaignName'];
  return <span class="campaign-tag">{typeof name === 'string' && name !== '' ? `Campaign: ${name}` : 'Proactive message'}</span>;
}

/** Scrolling this close to the top reads the page before. */
const NEAR_TOP_PX = 80;

/**
 * The history as read so far (the newest page, and the earlier pages the agent scrolled up to):
 * visitor on the left; bot, agents and notes on the right, each visibly its own kind. An earlier page
 * goes in above without moving what the agent is reading; only a new entry at the end scrolls down.
 */
export function MessageList(props: {
  entries: readonly TimelineEntry[];
  visitorName: string;
  me: string;
  visitorReadSeq: number;
  visitorTyping: boolean;
  lastAgentSeq: number;
  earlier: 'more' | 'loading' | 'none';
  onEarlier: () => void;
}) {
  const end = useRef<HTMLDivElement>(null);
  const timeline = useRef<HTMLDivElement>(null);
  // Distance from the bottom of the content to the top of the view, kept while an earlier page goes in.
  const anchor = useRef<number | null>(null);
  const last = props.entries.at(-1);
  // "Seen by the visitor" arrives after the reply it is under: it scrolls into view like a new entry.
  const seenLast = props.lastAgentSeq > 0 && props.visitorReadSeq >= props.lastAgentSeq;
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [last?.key, last?.text, props.visitorTyping, seenLast]);
  // A lump of entries (the conversation opened) goes in a screenful per task, the newest first.
  const shown = useStagedTail(props.entries, timeline, anchor);
  const entries = shown >= props.entries.length ? props.entries : props.entries.slice(-shown);
  const firstKey = entries[0]?.key;
  useLayoutEffect(() => {
    const element = timeline.current;
    if (element === null || anchor.current === null) return;
    element.scrollTop = element.scrollHeight - anchor.current;
    anchor.current = null;
  }, [firstKey]);
  const loadEarlier = () => {
    const element = timeline.current;
    if (element === null || props.earlier !== 'more') return;
    anchor.current = element.scrollHeight - element.scrollTop;
    props.onEarlier();
  };
  return (
    <div
      class="timeline"
      ref={timeline}
      role="log"
      aria-live="polite"
      aria-label="Messages"
      tabIndex={0}
      onScroll={(event) => {
        if (event.currentTarget.scrollTop < NEAR_TOP_PX) loadEarlier();
      }}
      onLoadCapture={(event) => {
        // An image that loads after the scroll to the end pushes the end away; follow it only if the agent was there.
        const element = event.currentTarget;
        const image = event.target instanceof HTMLImageElement ? event.target : null;
        if (image === null) return;
        const gap = element.scrollHeight - element.scrollTop - element.clientHeight;
        if (gap <= image.offsetHeight + 120) end.current?.scrollIntoView({ block: 'end' });
      }}
    >
      {props.earlier === 'none' ? null : (
        <button
          type="button"
          class="button small earlier"
          onClick={loadEarlier}
          disabled={props.earlier === 'loading'}
          aria-busy={props.earlier === 'loading'}
        >
          {props.earlier === 'loading' ? 'Loading earlier messages…' : 'Load earlier messages'}
        </button>
      )}
      {entries.map((entry) => (
        <EntryRow
          key={entry.key}
          entry={entry}
          visitorName={props.visitorName}
          me={props.me}
          seen={entry.seq !== undefined && entry.seq === props.lastAgentSeq && props.visitorReadSeq >= entry.seq}
        />
      ))}
      {props.visitorTyping ? (
        <div class="bubble-row from-visitor typing-row">
          <div class="bubble typing" aria-label="The visitor is typing">
            <span />
            <span />
            <span />
          </div>
          <span class="visually-hidden">The visitor is typing</span>
        </div>
      ) : null}
      <div ref={end} />
    </div>
  );
}

/**
 * The server's own lines to the visitor are stored in the visitor's language, with their key in
 * `payload.notice`: the agent reads the known ones in English (the console's language).
 */
const NOTICES: Readonly<Record<string, string>> = {
  handoff_waiting: 'Waiting for a human to join.',
  handoff_bot_failed: 'The bot could not answer; a human will take over.',
};

function noticeInEnglish(key: unknown): string | undefined {
  return typeof key === 'string' ? NOTICES[key] : undefined;
}
