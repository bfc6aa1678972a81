import type { InboxDetail } from '../types.js';
import { api, errorText } from '../api.js';
import { formatDate } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { useState } from 'preact/hooks';
import { ConversationLinks } from './conversation-links.js';
import { parseUserAgent, type UserAgentInfo } from './user-agent.js';

const KNOWN: readonly (readonly [string, string])[] = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['pageUrl', 'Page'],
  ['url', 'Page'],
  ['referrer', 'Referrer'],
  ['os', 'System'],
  ['language', 'Language'],
  ['timezone', 'Time zone'],
  ['country', 'Country'],
];

function flatten(detail: InboxDetail): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of [detail.context, detail.contact]) if (part !== null && typeof part === 'object') Object.assign(out, part);
  return out;
}

function show(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/**
 * The visitor's browser as three short facts (browser, system, device) with the raw User-Agent behind a
 * disclosure: agents read the first, support engineers sometimes need the second.
 */
function BrowserFacts(props: { value: string; systemShown: boolean }) {
  // The server stores a User-Agent reduced (`Safari · iOS · mobile`, issue 18); conversations from before hold
  // the raw string, parsed here. A host page may pass a browser name itself: only product/version tokens are parsed.
  const reduced = REDUCED_USER_AGENT.exec(props.value);
  const info = reduced !== null ? reducedInfo(reduced) : /\//.test(props.value) ? parseUserAgent(props.value) : null;
  if (info === null || info.browser === null) {
    return (
      <>
        <dt>Browser</dt>
        <dd>{props.value}</dd>
      </>
    );
  }
  return (
    <>
      <dt>Browser</dt>
      <dd>{info.browser}</dd>
      {info.os === null || props.systemShown ? null : (
        <>
          <dt>System</dt>
          <dd>{info.os}</dd>
        </>
      )}
      {info.device === null ? null : (
        <>
          <dt>Device</dt>
          <dd>{info.device}</dd>
        </>
      )}
      {reduced !== null ? null : (
        <dd class="facts-wide">
          <details class="raw-user-agent">
            <summary>Details</summary>
            <code>{props.value}</code>
          </details>
        </dd>
      )}
    </>
  );
}

const REDUCED_USER_AGENT = /^([^·]+) · ([^·]+) · (desktop|mobile|tablet|-)$/;
const DEVICES: Readonly<Record<string, UserAgentInfo['device']>> = { desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet' };

/** The server's reduced form read back: `-` is what the User-Agent did not say. */
function reducedInfo(match: RegExpExecArray): UserAgentInfo {
  const part = (value: string | undefined): string | null => (value === undefined || value === '-' ? null : value);
  return { browser: part(match[1]), os: part(match[2]), device: DEVICES[match[3] ?? ''] ?? null };
}

/**
 * The conversation as a file: a printable page opened beside the inbox, or a text or JSON download, in the
 * agent's own time zone and language. Private notes stay out unless the agent asks for them.
 */
function TranscriptLinks(props: { conversationId: string; email: string | null }) {
  const [notes, setNotes] = useState(false);
  const [to, setTo] = useState(props.email ?? '');
  const [mailState, setMailState] = useState<{ readonly busy: boolean; readonly text: string }>({ busy: false, text: '' });
  const view = { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, locale: navigator.language };
  const href = (format: 'html' | 'text' | 'json', download: boolean): string => {
    const query = new URLSearchParams({ format, ...view, notes: String(notes), download: String(download) });
    return `/v1/inbox/${encodeURIComponent(props.conversationId)}/transcript?${query.toString()}`;
  };
  return (
    <>
      <h3>Transcript</h3>
      <ul class="transcript-links">
        <li>
          <a href={href('html', false)} target="_blank" rel="noopener">
            Print view
          </a>
        </li>
        <li>
          <a href={href('text', true)} download>
            Text
          </a>
        </li>
        <li>
          <a href={href('json', true)} download>
            JSON
          </a>
        </li>
      </ul>
      <label class="check small">
        <input type="checkbox" checked={notes} onChange={(event) => setNotes(event.currentTarget.checked)} /> Include private notes
      </label>
      <form
        class="transcript-mail"
        onSubmit={(event) => {
          event.preventDefault();
          setMailState({ busy: true, text: 'Sending…' });
          api
            .post<{ to: string }>(`/v1/inbox/${encodeURIComponent(props.conversationId)}/transcript/email`, {
              ...(to.trim() === '' ? {} : { to: to.trim() }),
              ...view,
              notes,
            })
            .then(
              (sent) => setMailState({ busy: false, text: `Sent to ${sent.to}.` }),
              (error: unknown) => setMailState({ busy: false, text: errorText(error) }),
            );
        }}
      >
        <label for="transcript-mail-to">Email it to</label>
        <div class="transcript-mail-row">
          <input
            id="transcript-mail-to"
            type="email"
            placeholder="the contact's email"
            value={to}
            onInput={(event) => setTo(event.currentTarget.value)}
          />
          <button type="submit" class="button small" disabled={mailState.busy}>
            Send
          </button>
        </div>
        <p class="muted small" role="status">
          {mailState.text}
        </p>
      </form>
    </>
  );
}

/** Who the visitor is and where they came from: contact, page, browser, language, attributes, earlier chats. */
export function ContextSidebar(props: { detail: InboxDetail | null; name: string }) {
  if (props.detail === null) return <aside class="context" aria-label="Visitor" />;
  const facts = flatten(props.detail);
  const shown = new Set<string>();
  const rows = KNOWN.filter(([key]) => facts[key] !== undefined && facts[key] !== null && facts[key] !== '').filter(([, label]) => {
    if (shown.has(label)) return false;
    shown.add(label);
    return true;
  });
  const browser = facts['browser'] ?? facts['userAgent'];
  const attributes = facts['attributes'] ?? facts['customAttributes'];
  const queue = props.detail.queue;
  const earlier = props.detail.context.earlierConversations.filter((c) => c.id !== props.detail?.conversation.id);
  return (
    <aside class="context" aria-label="Visitor">
      <div class="context-head">
        <span class="avatar large" aria-hidden="true">
          {props.name.slice(0, 1).toUpperCase()}
        </span>
        <h2>{props.name}</h2>
      </div>
      {props.detail.contact.id === null ? null : (
        <p class="small">
          <Link to={`/contacts/${props.detail.contact.id}`}>Contact page</Link>
        </p>
      )}
      <dl class="facts">
        {rows.map(([key, label]) => (
          <>
            <dt>{label}</dt>
            <dd>{show(facts[key])}</dd>
          </>
        ))}
        {typeof browser === 'string' && browser !== '' ? <BrowserFacts value={browser} systemShown={facts['os'] !== undefined} /> : null}
        {typeof queue?.position === 'number' ? (
          <>
            <dt>Queue</dt>
            <dd>
              #{queue.position}
              {typeof queue.estimatedWaitMs === 'number' ? ` · about ${Math.max(1, Math.round(queue.estimatedWaitMs / 60_000))} min` : ''}
            </dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>{formatDate(props.detail.conversation.createdAt)}</dd>
      </dl>
      {attributes !== null && typeof attributes === 'object' && Object.keys(attributes).length > 0 ? (
        <>
          <h3>Attributes</h3>
          <dl class="facts">
            {Object.entries(attributes).map(([key, value]) => (
              <>
                <dt>{key}</dt>
                <dd>{show(value)}</dd>
              </>
            ))}
          </dl>
        </>
      ) : null}
      <h3>Earlier conversations</h3>
      {earlier.length === 0 ? (
        <p class="muted small">None.</p>
      ) : (
        <ul class="plain-list">
          {earlier.map((conversation) => (
            <li>
              <Link to={`/inbox/${conversation.id}`}>{formatDate(conversation.createdAt)}</Link>{' '}
              <span class="muted small">· {conversation.status}</span>
            </li>
          ))}
        </ul>
      )}
      <TranscriptLinks conversationId={props.detail.conversation.id} email={props.detail.contact.email} />
      <ConversationLinks conversationId={props.detail.conversation.id} />
    </aside>
  );
}
