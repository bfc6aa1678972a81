import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Controller } from '../ui/controller.js';
import type { DeskText } from '../ui/desk-status.js';
import { useView } from '../ui/use-view.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The offline form's own styles, adopted when it shows: it must not depend on the rich extra (cards, forms)
 * having loaded first. The field takes the form's full width, so its label is never squeezed.
 */
const DESK_CSS = `
.btn{border:0;border-radius:10px;background:var(--p-primary);color:var(--p-on-primary);padding:9px 14px;font-weight:600}
.off{margin:6px 12px;border:1px solid var(--p-line);border-radius:var(--p-radius);padding:12px;display:flex;flex-direction:column;gap:8px;background:var(--p-bg)}
.off p{margin:0;font-size:14px}
.off label{font-size:13px;font-weight:600;display:flex;flex-direction:column;gap:4px}
.off input{width:100%;min-width:0;border:1px solid #8a929c;border-radius:8px;padding:8px 10px;font-size:14px;background:var(--p-bg);font-weight:400}
.off .err{color:#b3261e;font-size:12.5px;font-weight:500}
.dark .off .err{color:#ffb4ab}
.off .btn{align-self:flex-start}
`;
let sheet: CSSStyleSheet | undefined;

/** A ref callback: the shadow root gets the desk's styles once (its own copy, as each extra has: see chrome.tsx). */
function adoptDeskStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(DESK_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/**
 * Where the conversation stands with the humans, under the messages: the visitor's place in the
 * queue, who is answering, or — in offline mode (no agent online, or outside business hours) — a
 * request for an email so the reply can reach them. Live region, so screen readers hear each change.
 */
export function Desk({ ctl, text: { fill, duration } }: { readonly ctl: Controller; readonly text: DeskText }): VNode | null {
  const state = useView(ctl.store);
  const { strings, language } = state.config;
  const presence = state.presence;
  if (state.owner === 'queued' && presence?.offline === true) return <OfflineForm ctl={ctl} wait={null} fill={fill} />;
  // Async mode: someone will answer, but later than the widget's threshold; until an agent has written, the email
  // is asked up front and the visitor told they may leave (docs/async-mode.md).
  if (presence?.asyncMode === true && presence.typicalReplyMs !== null && !state.messages.some((m) => m.author.role === 'agent')) {
    return <OfflineForm ctl={ctl} wait={duration(presence.typicalReplyMs, language)} fill={fill} />;
  }
  let text: string | null = null;
  if (state.owner === 'queued' && state.queue) {
    const { position, estimatedWaitMs } = state.queue;
    text = fill(strings.queuePlace, { count: String(position), time: duration(estimatedWaitMs ?? 60_000, language) });
  } else if (state.owner === 'human' && state.assignee) {
    text = fill(strings.chattingWith, { name: state.assignee });
  }
  if (text === null) return null;
  return (
    <div class="sys" role="status" aria-live="polite">
      {text}
    </div>
  );
}

/**
 * Offline mode, and async mode's long wait (`wait`: the expected reply time, in words): one labelled email field,
 * checked before it is sent; focus moves in, then back to the composer.
 */
function OfflineForm({
  ctl,
  wait,
  fill,
}: {
  readonly ctl: Controller;
  readonly wait: string | null;
  readonly fill: DeskText['fill'];
}): VNode {
  const state = useView(ctl.store);
  const { strings } = state.config;
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const sent = state.done.includes('contact');
  const wasSent = useRef(sent);
  useEffect(() => {
    // Offline mode starts while the visitor is in the composer: the question is what they must answer next.
    if (!sent) input.current?.focus();
  }, []);
  useEffect(() => {
    if (sent && !wasSent.current) (input.current?.getRootNode() as ShadowRoot | Document | undefined)?.querySelector('textarea')?.focus();
    wasSent.current = sent;
  }, [sent]);
  // A reply by email is promised only when the server mails replies (PARLEY_SMTP_URL); else the email is a way back.
  const byMail = state.presence?.emailReplies === true;
  const message =
    wait !== null
      ? fill(byMail ? strings.asyncPrompt : strings.asyncPromptLater, { time: wait })
      : state.presence?.offlineMessage || (byMail ? strings.offlinePrompt : strings.offlinePromptLater);
  if (sent)
    return (
      <div class="sys" role="status" aria-live="polite">
        {wait !== null
          ? byMail
            ? strings.asyncThanks
            : strings.asyncThanksLater
          : byMail
            ? strings.offlineThanks
            : strings.offlineThanksLater}
      </div>
    );
  const submit = (event: Event) => {
    event.preventDefault();
    const value = email.trim();
    if (!EMAIL.test(value)) {
      setError(strings.contactEmailInvalid);
      return input.current?.focus();
    }
    ctl.saveContact({ name: undefined, email: value, phone: undefined });
  };
  return (
    <form class="off" ref={adoptDeskStyles} onSubmit={submit} noValidate aria-labelledby="p-offline-q">
      <p id="p-offline-q" role="status" aria-live="polite" dir="auto">
        {message}
      </p>
      <label>
        {strings.contactEmail}
        <input
          ref={input}
          type="email"
          autoComplete="email"
          required
          value={email}
          aria-invalid={error !== ''}
          aria-describedby={error === '' ? undefined : 'p-offline-err'}
          onInput={(event) => {
            setEmail(event.currentTarget.value);
            setError('');
          }}
        />
      </label>
      {error !== '' && (
        <span id="p-offline-err" class="err" role="alert">
          {error}
        </span>
      )}
      <button class="btn" type="submit">
        {strings.contactSubmit}
      </button>
    </form>
  );
}
