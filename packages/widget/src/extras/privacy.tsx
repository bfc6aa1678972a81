import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ViewStore } from '../core/view-store.js';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';

// The visitor's privacy controls (issue 18), one lazy extra the chrome extra imports only for a widget whose
// `privacy.consent` or `privacy.selfService` is on: the consent gate shown instead of the conversation, and the
// header's privacy menu (withdraw consent; download or delete my data) with its confirmation inside the widget.
// The core only decides that the gate shows (nothing stored, no connection: core/persist.ts `ask`, TabShare not
// started) and sends the stored consentId with the session request.

const PRIVACY_CSS = `
.gatebox{flex:1;display:flex;min-height:0}
.gate{flex:1;display:flex;flex-direction:column;justify-content:center;gap:14px;padding:24px 22px;overflow:auto;background:var(--p-bg);color:var(--p-fg)}
.gate .shield{width:40px;height:40px;border-radius:50%;background:var(--p-soft);color:var(--p-accent);display:grid;place-items:center}
.gate .shield svg{width:22px;height:22px}
.gate p{margin:0;font-size:14.5px;white-space:pre-line}
.gate a{color:var(--p-accent);font-size:14px;font-weight:600;text-decoration:underline;align-self:flex-start}
.gate .note{font-size:13px;color:var(--p-muted)}
.gate .btn{align-self:stretch;padding:11px 14px;font-size:15px}
.pmenu{position:absolute;top:58px;inset-inline-end:8px;z-index:6;min-width:220px;max-width:calc(100% - 16px);background:var(--p-bg);color:var(--p-fg);border:1px solid var(--p-line);border-radius:12px;box-shadow:0 10px 30px rgba(16,24,40,.2);padding:6px}
.pmenu [role=menu]{display:flex;flex-direction:column}
.pmenu button{border:0;background:none;color:inherit;text-align:start;padding:9px 12px;border-radius:8px;font-size:14px}
.pmenu button:hover,.pmenu button:focus-visible{background:var(--p-soft)}
.pmenu .danger{color:#b3261e}
.pmenu .note{margin:4px 12px;font-size:13px}
.dark .pmenu .danger{color:#ffb4ab}
.dialog .btn.danger{background:#b3261e;color:#fff}
.privacy{color:var(--p-fg);width:300px;max-width:100%}
.privacy p{font-size:14px}
`;
let sheet: CSSStyleSheet | undefined;

/** A ref callback: the shadow root gets this extra's styles once (the chrome's own, .btn and .dialog, are there already). */
function adoptPrivacyStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(PRIVACY_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** A shield, drawn like the core's icons (the core does not need it). */
const SHIELD = (
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
    <path d="M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z" />
    <path d="M9 12l2 2 4-4" />
  </svg>
);

/** Widgets whose visitor has just withdrawn: their gate says so. */
const withdrawn = new WeakSet<ViewStore>();
/** Tab shares started (by the core at a load without the gate, or here at an acceptance): started once. */
const running = new WeakSet<Controller['share']>();
/** Widgets that follow their other tabs (one storage listener each). */
const following = new WeakSet<ViewStore>();
/**
 * Acceptances withdrawn in this page. Another tab may write one back: a tab reads its own copy of localStorage, which
 * learns of this tab's removal a moment later, so the tab holding the connection, stopping it at our request, wrote
 * its whole state back, acceptance included, and every tab opened its gate again. One seen again is removed again.
 */
const revoked = new Set<string>();

/**
 * The gate opens (this tab accepted, or another did): what is stored now shows, and the tab share starts, once per
 * page (at load without the gate, or at the first acceptance; a withdrawal only drops the conversation).
 */
function openGate(ctl: Controller): void {
  const { messages, outbox, seenSeq, done } = ctl.persist.read();
  withdrawn.delete(ctl.store);
  ctl.store.set({ gate: false, messages, outbox, seenSeq, done });
  if (!running.has(ctl.share)) ctl.share.start();
  running.add(ctl.share);
}

/** This tab forgets the conversation it shows (the storage was already changed: by this tab, or another). */
function dropConversation(ctl: Controller): void {
  ctl.store.set({ messages: [], outbox: [], streams: [], draft: '', seenSeq: 0, done: [], uploads: [], typing: null, owner: null });
}

/**
 * Another tab of this site accepted, withdrew or deleted: this one follows at once, without a reload. It listens to
 * `storage` events, which only read (nothing stored, no channel or lock opened: allowed behind the gate, before any
 * consent), and compares what is stored with what it shows. Accepted there (the accepted version is stored): this
 * gate opens. Withdrawn (the acceptance is gone): this tab drops the conversation and shows the gate, saying why.
 * Deleted (no session is stored while this tab shows a server's conversation; the console's preview has neither):
 * it drops the conversation. Nothing is written
 * back: without an accepted consent PersistStore writes nothing, and the dropped copy was this tab's memory only.
 * Checked once when it starts too: a tab whose window opens after another tab's change follows it then.
 */
function followOtherTabs(ctl: Controller): void {
  if (following.has(ctl.store)) return;
  following.add(ctl.store);
  const check = () => {
    const { ask } = ctl.persist;
    const stored = ctl.persist.read();
    if (stored.consentId !== undefined && revoked.has(stored.consentId)) return ctl.persist.clear();
    const { gate, messages } = ctl.store.state;
    const accepted = !ask || stored.consent === ask;
    if (gate && accepted) openGate(ctl);
    else if (!gate && !accepted) {
      withdrawn.add(ctl.store);
      dropConversation(ctl);
      ctl.store.set({ gate: true, presence: null, connection: { kind: 'idle' } });
    } else if (!gate && ctl.server && stored.session === null && messages.length > 0) dropConversation(ctl);
  };
  addEventListener('storage', (event) => event.storageArea === localStorage && check());
  check();
}

/**
 * The consent gate, in place of the conversation and the composer: the consent text (the widget's own, else the
 * built-in one in the visitor's language), the site's policy in a new tab, and Accept. Accepting records the
 * acceptance on the server (managed mode) and only then stores anything: the accepted version and the record's id,
 * which the session request carries. Then the conversation starts as it would have without the gate.
 */
export function ConsentGate({ ctl }: { readonly ctl: Controller }): VNode {
  const { config } = useView(ctl.store);
  const { strings, privacy } = config;
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const accept = async () => {
    if (busy) return;
    setBusy(true);
    setFailed(false);
    const consentId = await recordConsent(ctl);
    setBusy(false);
    if (consentId === null) {
      setFailed(true);
      return button.current?.focus();
    }
    // The version the core asked for (persist.ask): from now on the widget stores, starting with this acceptance.
    // The other tabs' gates open on this write (followOtherTabs).
    const consent = ctl.persist.ask ?? '';
    ctl.persist.update(() => ({ consent, ...(consentId === undefined ? {} : { consentId }) }));
    const root = button.current?.getRootNode() as ShadowRoot | undefined;
    openGate(ctl);
    // Focus goes to the composer that replaced the gate.
    setTimeout(() => root?.querySelector('textarea')?.focus());
  };
  useEffect(() => followOtherTabs(ctl), [ctl]);
  return (
    <div class="gate" ref={adoptPrivacyStyles} role="group" aria-labelledby="p-gate-t">
      <div class="shield">{SHIELD}</div>
      <p id="p-gate-t" dir="auto">
        {strings.consentText}
      </p>
      {privacy.policyUrl && (
        <a href={privacy.policyUrl} target="_blank" rel="noopener noreferrer">
          {strings.consentPolicy}
        </a>
      )}
      {withdrawn.has(ctl.store) && (
        <p class="note" role="status">
          {strings.consentWithdrawn}
        </p>
      )}
      {failed && (
        <p class="note" role="alert">
          {strings.privacyFailed}
        </p>
      )}
      <button ref={button} class="btn" aria-disabled={busy} onClick={() => void accept()}>
        {busy ? strings.sending : strings.consentAccept}
      </button>
    </div>
  );
}

/**
 * `POST /v1/widgets/{id}/consent` (managed mode): the record's id, undefined in direct mode and in the console's
 * preview (no server keeps a record there), null when it failed. A version the server no longer asks for (the text changed since the page
 * loaded) brings the new config, so the visitor reads the text they accept.
 */
async function recordConsent(ctl: Controller): Promise<string | null | undefined> {
  const { server, widgetId, store } = ctl;
  // No server: direct mode (null), or the console's preview ('', embed/preview-bridge.ts), where the sample
  // conversation is the frame's own and an acceptance is nobody's: nothing to record.
  if (!server || widgetId === null) return undefined;
  const { privacy, language } = store.state.config;
  const response = await fetch(`${server}/v1/widgets/${encodeURIComponent(widgetId)}/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: privacy.consentVersion, accepted: true }),
    credentials: 'omit',
  }).catch(() => undefined);
  if (response?.status === 201) return ((await response.json()) as { consentId: string }).consentId;
  if (response?.status === 409) await ctl.setLocale(language);
  return null;
}

type Step = 'menu' | 'conversation' | 'all' | 'deleted' | null;

/**
 * The header's privacy button and its menu: "Withdraw consent" (a widget with the gate), and with
 * `privacy.selfService`, once there is a conversation, "Download my data", "Delete my conversation" and "Delete all
 * my data" (each deletion asked again in a dialog inside the widget, then confirmed done).
 */
export function PrivacyMenu({
  ctl,
  chromeStyles,
}: {
  readonly ctl: Controller;
  /** The chrome extra's styles (.btn, .dialog, .overlay), which its own parts adopt only when they show. */
  readonly chromeStyles: (element: Element | null) => void;
}): VNode | null {
  const { config, messages } = useView(ctl.store);
  const { strings, privacy } = config;
  const [step, setStep] = useState<Step>(null);
  const [failed, setFailed] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const session = messages.length > 0 && ctl.server !== null ? ctl.persist.read().session : null;
  const self = privacy.selfService === true && session !== null;
  useEffect(() => followOtherTabs(ctl), [ctl]);
  useEffect(() => {
    if (step === 'menu') menu.current?.querySelector('button')?.focus();
  }, [step]);
  if (!privacy.consent && !self && step === null) return null;
  const close = () => {
    setStep(null);
    setFailed(false);
    opener.current?.focus();
  };
  const onMenuKey = (event: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll('button') ?? [])];
    const at = items.findIndex((item) => item === (menu.current?.getRootNode() as ShadowRoot).activeElement);
    const move = { ArrowDown: 1, ArrowUp: -1, Home: -at, End: items.length - 1 - at }[event.key];
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.stopPropagation();
      if (event.key === 'Escape') event.preventDefault();
      close();
    } else if (move !== undefined) {
      event.preventDefault();
      items[(at + move + items.length) % items.length]?.focus();
    }
  };
  const erase = async (all: boolean) => {
    setFailed(false);
    if (!(await eraseMine(ctl, all))) return setFailed(true);
    setStep('deleted');
  };
  return (
    <>
      <button
        ref={(element) => {
          opener.current = element;
          chromeStyles(element);
        }}
        class="ib"
        aria-label={strings.privacyMenu}
        title={strings.privacyMenu}
        aria-haspopup="menu"
        aria-expanded={step === 'menu'}
        onClick={() => setStep(step === 'menu' ? null : 'menu')}
      >
        {SHIELD}
      </button>
      {step === 'menu' && (
        <div ref={adoptPrivacyStyles} class="pmenu" onKeyDown={onMenuKey}>
          <div ref={menu} role="menu" aria-label={strings.privacyMenu}>
            {self && (
              <>
                <button role="menuitem" onClick={() => void downloadMine(ctl).then((done) => (done ? close() : setFailed(true)))}>
                  {strings.privacyDownload}
                </button>
                <button role="menuitem" class="danger" onClick={() => setStep('conversation')}>
                  {strings.privacyDeleteConversation}
                </button>
                <button role="menuitem" class="danger" onClick={() => setStep('all')}>
                  {strings.privacyDeleteAll}
                </button>
              </>
            )}
            {privacy.consent && (
              <button role="menuitem" onClick={() => void withdraw(ctl)}>
                {strings.consentWithdraw}
              </button>
            )}
          </div>
          {failed && (
            <p class="note" role="alert">
              {strings.privacyFailed}
            </p>
          )}
        </div>
      )}
      {(step === 'conversation' || step === 'all' || step === 'deleted') && (
        <PrivacyDialog
          ctl={ctl}
          text={
            step === 'deleted'
              ? strings.privacyDeleted
              : step === 'all'
                ? strings.privacyDeleteAllConfirm
                : strings.privacyDeleteConversationConfirm
          }
          confirm={step === 'deleted' ? null : () => erase(step === 'all')}
          failed={failed}
          close={close}
        />
      )}
    </>
  );
}

/** The question before a deletion (Cancel first and focused), or the word that it is done: modal, inside the widget. */
function PrivacyDialog({
  ctl,
  text,
  confirm,
  failed,
  close,
}: {
  readonly ctl: Controller;
  readonly text: string;
  readonly confirm: (() => Promise<void>) | null;
  readonly failed: boolean;
  readonly close: () => void;
}): VNode {
  const { strings } = useView(ctl.store).config;
  const box = useRef<HTMLDivElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => box.current?.querySelector('button')?.focus(), [confirm === null]);
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      // The dialog closes, not the chat window around it.
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      const controls = [...(box.current?.querySelectorAll('button') ?? [])];
      const at = controls.findIndex((control) => control === (box.current?.getRootNode() as ShadowRoot).activeElement);
      event.preventDefault();
      controls[(at + (event.shiftKey ? -1 : 1) + controls.length) % controls.length]?.focus();
    }
  };
  return (
    <div class="overlay" ref={adoptPrivacyStyles} onKeyDown={onKey}>
      <div
        ref={box}
        class="dialog privacy"
        role={confirm === null ? 'dialog' : 'alertdialog'}
        aria-modal="true"
        aria-labelledby="p-privacy-q"
      >
        <p id="p-privacy-q">{text}</p>
        {failed && <p role="alert">{strings.privacyFailed}</p>}
        <div class="row2">
          {confirm === null ? (
            <button class="btn" onClick={close}>
              {strings.dialogClose}
            </button>
          ) : (
            <>
              <button class="btn ghost" onClick={close}>
                {strings.privacyCancel}
              </button>
              <button
                class="btn danger"
                aria-disabled={busy}
                onClick={() => {
                  if (busy) return;
                  setBusy(true);
                  void confirm().finally(() => setBusy(false));
                }}
              >
                {strings.privacyDelete}
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

/** The conversation's path on the server, with the session token, or null (no conversation, direct mode). */
function visitorRequest(ctl: Controller, path: string, method: string): Promise<Response | undefined> | null {
  const { session } = ctl.persist.read();
  if (session === null || ctl.server === null) return null;
  return fetch(`${ctl.server}/v1/conversations/${encodeURIComponent(session.conversationId)}${path}`, {
    method,
    headers: { authorization: `Bearer ${session.token}` },
    credentials: 'omit',
  }).catch(() => undefined);
}

/** "Download my data": everything the server holds about this visitor, saved by the host page as a JSON file. */
async function downloadMine(ctl: Controller): Promise<boolean> {
  const response = await visitorRequest(ctl, '/visitor-data', 'GET');
  if (response?.status !== 200) return false;
  const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = named ?? `parley-data-${new Date().toISOString().slice(0, 10)}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  return true;
}

/**
 * "Delete my conversation" (`DELETE …/{id}`) or "Delete all my data" (`DELETE …/{id}/visitor-data`): once the server
 * has erased it, the widget forgets the conversation (the next message starts a new one). The acceptance of the
 * consent text stays: deleting data is not withdrawing consent.
 */
async function eraseMine(ctl: Controller, all: boolean): Promise<boolean> {
  const response = await visitorRequest(ctl, all ? '/visitor-data' : '', 'DELETE');
  if (response?.status !== 204) return false;
  const { consent, consentId } = ctl.persist.read();
  forget(ctl);
  if (consent !== undefined) ctl.persist.update(() => ({ consent, ...(consentId === undefined ? {} : { consentId }) }));
  return true;
}

/** Drops the conversation in every tab (the leader closes its connection) and everything this widget stored. */
function forget(ctl: Controller): void {
  void ctl.share.restart();
  ctl.persist.clear();
  dropConversation(ctl);
}

/**
 * "Withdraw consent": recorded on the server (the session's conversation, whose tokens it refuses from then on), then
 * everything the widget stored in this browser goes, the connection closes and the gate shows again, in this tab and
 * in the others (they see the storage go: followOtherTabs; core/persist.ts writes nothing without consent).
 */
async function withdraw(ctl: Controller): Promise<void> {
  await ctl.post('consent/withdraw', {});
  const { consentId } = ctl.persist.read();
  if (consentId !== undefined) revoked.add(consentId);
  withdrawn.add(ctl.store);
  // The share stays (its leader, in whichever tab, now holds no conversation and no connection; nothing is stored).
  running.add(ctl.share);
  forget(ctl);
  ctl.store.set({ gate: true, presence: null, connection: { kind: 'idle' } });
}
