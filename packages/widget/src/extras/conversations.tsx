import type { VNode } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Emitter } from '@parley/client';
import type { ErrorBody, SessionCreated, VisitorConversationList, VisitorConversationSummary } from '@parley/protocol';
import type { WidgetEvents } from '../api/options.js';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import type { ChromeParts } from './header-dialog.js';

/**
 * Several conversations per visitor (issue 20; the widget setting `conversations.multiple`, managed mode): the
 * header's "Conversations" button opens the visitor's conversations (last message, status, time, unread), newest
 * first, with "New conversation". Choosing one asks the server for its session and hands it to the shared source
 * (`adopt`): the leading tab switches its connection, every tab shows that conversation's history. Loaded by the
 * chrome extra only for a widget with the setting on, and by the JS API's `open({ conversationId })`, so the core
 * carries none of it.
 */

const CSS = `
.convs{color:var(--p-fg);text-align:start;width:100%;max-width:360px;max-height:100%;display:flex;flex-direction:column;gap:10px;overflow:hidden}
.convs h3{margin:0}
.convs ul{list-style:none;margin:0;padding:0;overflow:auto;display:flex;flex-direction:column;gap:6px}
.convs li button{width:100%;text-align:start;display:grid;grid-template-columns:1fr auto;gap:2px 8px;border:1px solid var(--p-soft);border-radius:10px;background:var(--p-bg);color:var(--p-fg);padding:8px 10px;cursor:pointer;font:inherit}
.convs li button[aria-current=true]{border-color:var(--p-primary);border-width:2px}
.convs .cv-text{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.convs .cv-meta{grid-column:1/-1;font-size:12px;display:flex;gap:8px;flex-wrap:wrap}
.convs .cv-unread{background:var(--p-primary);color:var(--p-on-primary);border-radius:999px;padding:0 8px;font-size:12px;font-weight:600;align-self:center}
.convs .row2{display:flex;gap:8px;justify-content:space-between;flex-wrap:wrap}
`;
let sheet: CSSStyleSheet | undefined;

/** A ref callback: the shadow root gets these styles once, after the chrome's (each extra carries its own). */
function adoptStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS.trim());
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** A list of speech bubbles, drawn like the core's icons. */
const LIST_ICON = (
  <svg
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
    focusable="false"
  >
    <path d="M4 5h11v8H8l-4 3zM9 16v1h7l4 3V9h-3" />
  </svg>
);

/** The visitor's conversations route, with the current session's token; null without a session (nothing to list yet). */
function call(ctl: Controller, path: string, method: 'GET' | 'POST', body?: object): Promise<Response> | null {
  const session = ctl.persist.read().session;
  if (ctl.server === null || ctl.widgetId === null || session === null) return null;
  const base = `${ctl.server.replace(/\/$/, '')}/v1/widgets/${encodeURIComponent(ctl.widgetId)}/visitor/conversations`;
  return fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${session.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** How long `open({ conversationId })` waits for the visitor's first session (identity given, none in this browser yet). */
const SESSION_WAIT_MS = 20_000;

/**
 * The JS API's `Parley('open', { conversationId })` (the core has opened the window and passes the argument on): shows
 * that conversation when the widget allows several and it is the visitor's own, which the server checks (404 for anyone
 * else's). Otherwise the window stays on the conversation it shows and the page hears why, as the widget's `error`
 * event (`parley:error` on window): `{ code, message }` with a code of the error catalog.
 */
export async function openConversation(ctl: Controller, target: unknown, events: Emitter<WidgetEvents>): Promise<void> {
  const fail = (code: string, message: string): void => events.emit('error', { code, message });
  // From the host page: checked, never trusted (`open({})` is a plain open).
  const id = typeof target === 'object' && target !== null && 'conversationId' in target ? target.conversationId : undefined;
  if (id === undefined) return;
  if (typeof id !== 'string' || id === '')
    return fail('PARLEY_ERR_REQUEST_VALIDATION', `open: conversationId must be a conversation id (a string), not ${JSON.stringify(id)}`);
  const { config, gate } = ctl.store.state;
  if (!config.conversations.multiple || ctl.server === null)
    return fail('PARLEY_ERR_CONVERSATIONS_SINGLE', `This widget keeps one conversation per visitor: ${id} was not opened`);
  if (gate) return fail('PARLEY_ERR_CONSENT_REQUIRED', `The visitor has not accepted the privacy notice yet: ${id} was not opened`);
  const identified = ctl.share.profile().identity !== null;
  const session = ctl.persist.read().session ?? (identified ? await firstSession(ctl) : null);
  // Without a session nor an identity, no conversation is the visitor's yet; an identified visitor's session did not come.
  if (session === null && !identified)
    return fail('PARLEY_ERR_CONVERSATION_NOT_FOUND', `This visitor has no conversation yet: ${id} was not opened`);
  if (session === null)
    return fail('PARLEY_ERR_CLIENT_NETWORK', `No session for the visitor within ${SESSION_WAIT_MS / 1e3} s: ${id} was not opened`);
  if (session.conversationId === id) return;
  const answer = await call(ctl, `/${encodeURIComponent(id)}/session`, 'POST')?.catch(() => null);
  // The server's answer: the session of that conversation, or why not (404 for anyone else's, as if it did not exist).
  const body = (await answer?.json().catch(() => null)) as Partial<SessionCreated & ErrorBody> | null | undefined;
  if (answer?.ok === true && body?.token !== undefined) return ctl.share.adopt(body as SessionCreated);
  fail(body?.error?.code ?? 'PARLEY_ERR_CLIENT_NETWORK', body?.error?.message ?? `Could not reach ${ctl.server} to open ${id}`);
}

/** A verified visitor new to this browser: their session (which resumes their latest conversation), once it exists. */
function firstSession(ctl: Controller): Promise<{ readonly conversationId: string } | null> {
  return new Promise((done) => {
    const stop = ctl.share.on('session', (session) => {
      if (session === null) return;
      stop();
      clearTimeout(timer);
      done(session);
    });
    const timer = setTimeout(() => {
      stop();
      done(null);
    }, SESSION_WAIT_MS);
    ctl.share.ensureSession();
  });
}

/** The header's button and, while open, the list. Shown by the chrome once there is a session to list from. */
export function ConversationsTools({ ctl, ...chrome }: { readonly ctl: Controller } & ChromeParts): VNode | null {
  const { strings } = useView(ctl.store).config;
  if (ctl.persist.read().session === null) return null;
  const { HeaderDialog } = chrome;
  return (
    <HeaderDialog
      label={strings.conversations}
      icon={LIST_ICON}
      dialog={(close) => <ConversationList ctl={ctl} close={close} {...chrome} />}
    />
  );
}

type Listing =
  { readonly kind: 'loading' | 'failed' | 'busy' } | { readonly kind: 'list'; readonly items: readonly VisitorConversationSummary[] };

function ConversationList({
  ctl,
  close,
  chromeStyles,
  modalKeys,
}: { readonly ctl: Controller; readonly close: () => void } & ChromeParts): VNode {
  const { strings, language } = useView(ctl.store).config;
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const box = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  // Focus moves in before the next key is handled (a layout effect runs before paint; an effect after it, and an
  // Escape pressed in between reached the chat window, which closed instead of the list).
  useLayoutEffect(() => first.current?.focus(), []);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const answer = await call(ctl, '', 'GET')?.catch(() => null);
      const list = answer?.ok === true ? ((await answer.json().catch(() => null)) as VisitorConversationList | null) : null;
      if (live) setListing(list === null ? { kind: 'failed' } : { kind: 'list', items: list.items });
    };
    void load();
    return () => void (live = false);
  }, []);

  /** Asks for a session (a new conversation, or another of theirs) and switches every tab to it. */
  const take = async (path: string, body?: object) => {
    setListing({ kind: 'busy' });
    const answer = await call(ctl, path, 'POST', body)?.catch(() => null);
    const created = answer?.ok === true ? ((await answer.json().catch(() => null)) as SessionCreated | null) : null;
    if (created === null) return setListing({ kind: 'failed' });
    ctl.share.adopt(created);
    close();
  };
  const time = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  const busy = listing.kind === 'busy' || listing.kind === 'loading';
  return (
    <div
      class="overlay"
      ref={(element) => {
        chromeStyles(element);
        adoptStyles(element);
      }}
      onKeyDown={modalKeys(box, close)}
    >
      <div ref={box} class="dialog convs" role="dialog" aria-modal="true" aria-labelledby="p-convs-t" aria-busy={busy}>
        <h3 id="p-convs-t">{strings.conversations}</h3>
        {listing.kind === 'failed' && (
          <p class="err" role="alert">
            {strings.loadFailed}
          </p>
        )}
        {listing.kind === 'list' && (
          <ul aria-labelledby="p-convs-t">
            {listing.items.map((item) => (
              <li key={item.id}>
                <button
                  aria-current={item.current}
                  onClick={() => (item.current ? close() : void take(`/${encodeURIComponent(item.id)}/session`))}
                >
                  <span class="cv-text" dir="auto">
                    {item.lastMessage === null
                      ? strings.conversationsEmpty
                      : `${item.lastMessage.role === 'visitor' ? '' : `${item.lastMessage.name}: `}${item.lastMessage.text}`}
                  </span>
                  {item.unread > 0 ? (
                    <span class="cv-unread" aria-label={strings.unreadBadge.replace('{count}', String(item.unread))}>
                      {item.unread}
                    </span>
                  ) : (
                    <span />
                  )}
                  <span class="cv-meta">
                    <span>{item.status === 'resolved' ? strings.conversationsResolved : strings.conversationsOpen}</span>
                    <time dateTime={item.lastActivityAt}>{time.format(new Date(item.lastActivityAt))}</time>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="row2">
          <button ref={first} class="btn ghost" onClick={close}>
            {strings.conversationsBack}
          </button>
          <button class="btn" disabled={busy} onClick={() => void take('', { language })}>
            {strings.conversationsNew}
          </button>
        </div>
      </div>
    </div>
  );
}
