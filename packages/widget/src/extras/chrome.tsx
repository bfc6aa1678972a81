import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import { adoptChromeStyles } from './chrome-styles.js';
import { HeaderDialog, type ChromeParts } from './header-dialog.js';
import { MailTranscript } from './mail-transcript.js';
import { modalKeys } from './modal-keys.js';

/**
 * A hook for an extra the chrome imports when one of its parts first shows (one import for all of them); a failed
 * import is tried again when a part mounts next. Not the core's lazyModule: a core module the chrome imported too
 * would become a chunk of its own on the core's path.
 */
function lazyExtra<M>(load: () => Promise<M>): () => M | undefined {
  let loading: Promise<M> | undefined;
  return function useExtra() {
    const [extra, setExtra] = useState<M>();
    useEffect(() => {
      loading ??= load();
      void loading.then(setExtra, () => (loading = undefined));
    }, []);
    return extra;
  };
}

/** What the chrome lends the extras that draw in its header (header-dialog.tsx says why). */
const LENT: ChromeParts = { chromeStyles: adoptChromeStyles, modalKeys, HeaderDialog };

/** The conversations extra's header button and list (extras/conversations.tsx): imported for `conversations.multiple`. */
const useConversations = lazyExtra(() => import('./conversations.js'));
/**
 * The call extra's header buttons and call panel (extras/call.tsx): imported for a widget whose visitors may call
 * (calls.visitor), or once a call frame loaded it (it sets `call` in the view).
 */
const useCall = lazyExtra(() => import('./call.js'));
/**
 * The privacy extra (consent gate, privacy menu): imported only for a widget with `privacy.consent` or
 * `privacy.selfService`, tried again once after a second.
 */
const usePrivacy = lazyExtra(() =>
  import('./privacy.js').catch(() => new Promise((wait) => setTimeout(wait, 1e3)).then(() => import('./privacy.js'))),
);

/** "Get a link to this conversation" (extras/conversation-link.tsx): imported while a human is involved. */
const useLink = lazyExtra(() => import('./conversation-link.js'));

function LinkSlot({ ctl }: { readonly ctl: Controller }): VNode | null {
  const extra = useLink();
  return extra ? <extra.ConversationLink ctl={ctl} {...LENT} /> : null;
}

function ConversationsSlot({ ctl }: { readonly ctl: Controller }): VNode | null {
  const extra = useConversations();
  return extra ? <extra.ConversationsTools ctl={ctl} {...LENT} /> : null;
}

function CallSlot({ ctl }: { readonly ctl: Controller }): VNode | null {
  const call = useCall();
  return call ? <call.CallTools ctl={ctl} /> : null;
}

/** The consent gate, shown by the core instead of the conversation and the composer (privacy.consent, not yet accepted). */
export function Gate({ ctl }: { readonly ctl: Controller }): VNode {
  const privacy = usePrivacy();
  // The chrome's styles (.btn) first: the gate's own come with the privacy extra.
  return (
    <div class="gatebox" ref={adoptChromeStyles}>
      {privacy && <privacy.ConsentGate ctl={ctl} />}
    </div>
  );
}

/** The header's privacy menu, from the privacy extra. */
function PrivacyTools({ ctl }: { readonly ctl: Controller }): VNode | null {
  const privacy = usePrivacy();
  return privacy ? <privacy.PrivacyMenu ctl={ctl} chromeStyles={adoptChromeStyles} /> : null;
}

// The window's rarely used parts, one lazy extra: the header's language, export, email and restart controls,
// the restart question and the email dialog (mail-transcript.tsx), the peek above a closed bubble, the emoji
// picker's frame, and the composer's attach and voice buttons (options that are off by default). None is
// needed to show the bubble or a first chat.

/** Language names already asked for: building an Intl.DisplayNames costs a millisecond, and the header renders often. */
const NAMES = new Map<string, string>();

/** A language's own name ("Deutsch"), from the browser: no table to ship. */
function languageName(code: string): string {
  let name = NAMES.get(code);
  if (name === undefined) {
    try {
      name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
    } catch {
      name = code;
    }
    NAMES.set(code, name);
  }
  return name;
}

/**
 * The header's optional controls: the language choice (a widget with more than one language), then export,
 * "Email me this conversation" (managed mode, when the server sends mail), "Get a link to this conversation"
 * (managed mode, while a human is involved) and restart once there is a conversation. The export and restart
 * icons come from the core, which has them anyway.
 */
export function HeaderTools({
  ctl,
  icons,
}: {
  readonly ctl: Controller;
  readonly icons: { readonly export: ComponentChildren; readonly restart: ComponentChildren };
}): VNode {
  const { config, messages, gate, owner } = useView(ctl.store);
  const { strings } = config;
  // Behind the consent gate only the language choice: no conversation to export, and nothing sent before Accept.
  const talked = messages.length > 0 && !gate;
  useEffect(() => void (gate || openedBeacon(ctl)), []);
  return (
    <>
      {config.languages.length > 1 && (
        <select
          ref={adoptChromeStyles}
          aria-label={strings.controlLanguage}
          value={config.language}
          onChange={(event) => ctl.setLocale(event.currentTarget.value)}
        >
          {config.languages.map((code) => (
            <option value={code} title={languageName(code)}>
              {code.toUpperCase()}
            </option>
          ))}
        </select>
      )}
      {!gate && ctl.server !== null && config.conversations.multiple && <ConversationsSlot ctl={ctl} />}
      {config.exportConversation && talked && (
        <button class="ib" aria-label={strings.controlExport} title={strings.controlExport} onClick={() => exportTranscript(ctl)}>
          {icons.export}
        </button>
      )}
      {config.exportConversation && talked && config.services?.transcripts === true && <MailTranscript ctl={ctl} />}
      {/* A link to come back on another device, while the visitor waits for or talks with a human (async mode). */}
      {talked && ctl.server !== null && (owner === 'queued' || owner === 'human') && <LinkSlot ctl={ctl} />}
      {config.restartConversation && talked && (
        <button class="ib" aria-label={strings.controlRestart} title={strings.controlRestart} onClick={() => ctl.askRestart(true)}>
          {icons.restart}
        </button>
      )}
      {!gate && (config.privacy.consent || config.privacy.selfService) && <PrivacyTools ctl={ctl} />}
      {!gate && ctl.server !== null && ((config.calls?.visitor ?? 'off') !== 'off' || ctl.store.state.call) && <CallSlot ctl={ctl} />}
    </>
  );
}

/**
 * The reports' "widget opened" (`POST /v1/widgets/{id}/events`), sent from here so it costs the core nothing:
 * the core mounts these tools in the header of every window it opens. Only an opening by this tab's visitor
 * counts: this tab has the focus (a tab that follows another's opening is in the background or another window)
 * and, where the browser says, the click or key that opened the window is still its transient user activation
 * (5 s in Chromium and Firefox), which a window restored open by a reload should not have (not tested: Playwright's
 * reload leaves the page one). So a tab that follows another's
 * opening, a window restored open, an inline or full-page widget and the console's preview (a
 * sandboxed frame, origin "null") send nothing. A fetch that outlives the page
 * (keepalive), without cookies, as text/plain: no preflight.
 */
function openedBeacon(ctl: Controller): void {
  const { server, widgetId } = ctl;
  const activation = ((navigator.userActivation as UserActivation | undefined)?.isActive ?? true) && document.hasFocus();
  if (server === null || widgetId === null || self.origin === 'null' || ctl.store.state.layout !== 'bubble' || !activation) return;
  void fetch(`${server}/v1/widgets/${encodeURIComponent(widgetId)}/events`, {
    method: 'POST',
    body: '{"type":"widget_opened"}',
    keepalive: true,
    credentials: 'omit',
  }).catch(() => undefined);
}

/** The conversation as a text file: still its own lazy extra (a button few visitors press), asked for by the chrome, not the core. */
function exportTranscript(ctl: Controller): void {
  const { messages, config } = ctl.store.state;
  void import('./transcript.js').then(({ downloadTranscript }) => downloadTranscript(messages, config));
}

/** The composer's attach button (`attachments`) and voice input (`voiceIn`, where the browser has speech recognition). */
export function ComposerTools({
  ctl,
  icons,
}: {
  readonly ctl: Controller;
  readonly icons: { readonly attach: ComponentChildren; readonly mic: ComponentChildren };
}): VNode {
  const { config } = useView(ctl.store);
  const { strings } = config;
  const files = useRef<HTMLInputElement>(null);
  const [listening, setListening] = useState<(() => void) | null>(null);
  const voice = config.voiceIn && ('SpeechRecognition' in window || 'webkitSpeechRecognition' in window);
  const toggleVoice = async () => {
    if (listening !== null) {
      listening();
      return setListening(null);
    }
    const { listen } = await import('./voice.js');
    const stop = listen(
      config.language,
      (text) => ctl.setDraft(`${ctl.store.state.draft}${ctl.store.state.draft ? ' ' : ''}${text}`),
      () => setListening(null),
    );
    setListening(() => stop);
  };
  return (
    <>
      {config.attachments && (
        <>
          <button class="ib" aria-label={strings.attach} title={strings.attach} onClick={() => files.current?.click()}>
            {icons.attach}
          </button>
          <input
            ref={files}
            type="file"
            multiple
            hidden
            accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain"
            onChange={(event) => {
              ctl.attach([...(event.currentTarget.files ?? [])]);
              event.currentTarget.value = '';
            }}
          />
        </>
      )}
      {voice && (
        <button
          class="ib"
          aria-label={listening ? strings.voiceStop : strings.voiceStart}
          aria-pressed={listening !== null}
          onClick={() => void toggleVoice()}
        >
          {icons.mic}
        </button>
      )}
    </>
  );
}

/** "Start a new conversation?": a modal question whose focus stays on its two answers until one is chosen. */
export function RestartDialog({ ctl }: { readonly ctl: Controller }): VNode {
  const { strings } = useView(ctl.store).config;
  const box = useRef<HTMLDivElement>(null);
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  return (
    <div class="overlay" ref={adoptChromeStyles} onKeyDown={modalKeys(box, () => ctl.askRestart(false))}>
      <div ref={box} class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="p-restart-q">
        <p id="p-restart-q">{strings.restartPrompt}</p>
        <div class="row2">
          <button ref={no} class="btn ghost" onClick={() => ctl.askRestart(false)}>
            {strings.dialogNo}
          </button>
          <button class="btn" onClick={() => ctl.restart()}>
            {strings.dialogYes}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The latest reply above the closed bubble; the close icon comes from the core, which has it anyway. */
export function Peek({
  ctl,
  message,
  close,
}: {
  readonly ctl: Controller;
  readonly message: Message;
  readonly close: ComponentChildren;
}): VNode {
  const { strings } = useView(ctl.store).config;
  return (
    <div class="peek" role="status" ref={adoptChromeStyles}>
      <button class="peek-open" onClick={() => ctl.setOpen(true)}>
        <b dir="auto">{message.author.name || strings.title}</b>
        <p dir="auto">{message.text}</p>
      </button>
      <button class="x" aria-label={strings.peekDismiss} title={strings.peekDismiss} onClick={() => ctl.dismissPeek()}>
        {close}
      </button>
    </div>
  );
}

/** The emoji picker's frame; its emoji set is the emoji extra, fetched with it. */
export function EmojiPicker({
  emoji,
  onPick,
  onClose,
}: {
  readonly emoji: readonly string[];
  readonly onPick: (emoji: string) => void;
  readonly onClose: () => void;
}): VNode {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <div
      class="emoji"
      role="dialog"
      aria-label="Emoji"
      ref={adoptChromeStyles}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      {emoji.map((glyph, index) => (
        <button {...(index === 0 ? { ref: first } : {})} aria-label={glyph} onClick={() => onPick(glyph)}>
          {glyph}
        </button>
      ))}
    </div>
  );
}
