import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';

// The window's rarely used parts, one lazy extra: the header's language, export and restart controls, the
// restart question, the peek above a closed bubble, the emoji picker's frame, and the composer's attach and
// voice buttons (options that are off by default). None is needed to show the bubble or a first chat.

const CHROME_CSS = `
.peek{max-width:300px;background:var(--p-bg);color:var(--p-fg);border-radius:var(--p-radius);box-shadow:0 8px 28px rgba(16,24,40,.18);position:relative;font-size:14px;border:1px solid var(--p-line)}
.peek-open{display:block;width:100%;border:0;background:none;padding:12px 36px 12px 14px;text-align:start;border-radius:inherit}
.peek b{display:block;font-size:13px;margin-bottom:2px}
.peek .x{position:absolute;top:6px;inset-inline-end:6px;border:0;background:none;width:26px;height:26px;border-radius:50%;color:var(--p-muted);display:grid;place-items:center}
.peek .x:hover{background:var(--p-soft)}
.peek .x svg{width:16px;height:16px}
.peek p{margin:0;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.head select{background:rgba(0,0,0,.18);border:0;color:inherit;border-radius:8px;padding:4px 2px;font-size:13px;max-width:58px;margin-inline-end:2px}
.head select option{color:#1b1f24}
.overlay{position:absolute;inset:0;background:rgba(16,24,40,.45);display:grid;place-items:center;z-index:5;padding:24px}
.dialog{background:var(--p-bg);border-radius:var(--p-radius);padding:18px;max-width:300px;box-shadow:0 10px 30px rgba(0,0,0,.25)}
.dialog p{margin:0 0 14px}
.dialog .row2{display:flex;gap:8px;justify-content:flex-end}
.emoji{position:absolute;bottom:58px;inset-inline-end:10px;width:280px;max-width:calc(100% - 20px);max-height:240px;overflow:auto;background:var(--p-bg);border:1px solid var(--p-line);border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.16);padding:8px;display:grid;grid-template-columns:repeat(8,1fr);gap:2px;z-index:4}
.emoji button{border:0;background:none;font-size:20px;padding:3px;border-radius:6px}
.emoji button:hover{background:var(--p-soft)}
`;
let sheet: CSSStyleSheet | undefined;

/**
 * A ref callback: the widget's shadow root gets these styles once. (Each extra keeps its own copy, as
 * rich.tsx and unfurl.tsx do: a module two extras import becomes a chunk of its own, a second round trip.)
 */
function adoptChromeStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CHROME_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

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
 * The header's optional controls: the language choice (a widget with more than one language), then export
 * and restart once there is a conversation. The icons come from the core, which has them anyway.
 */
export function HeaderTools({
  ctl,
  icons,
}: {
  readonly ctl: Controller;
  readonly icons: { readonly export: ComponentChildren; readonly restart: ComponentChildren };
}): VNode {
  const { config, messages } = useView(ctl.store);
  const { strings } = config;
  const talked = messages.length > 0;
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
      {config.exportConversation && talked && (
        <button class="ib" aria-label={strings.controlExport} title={strings.controlExport} onClick={() => ctl.exportTranscript()}>
          {icons.export}
        </button>
      )}
      {config.restartConversation && talked && (
        <button class="ib" aria-label={strings.controlRestart} title={strings.controlRestart} onClick={() => ctl.askRestart(true)}>
          {icons.restart}
        </button>
      )}
    </>
  );
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
  const no = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      ctl.askRestart(false);
    } else if (event.key === 'Tab') {
      event.preventDefault();
      const root = no.current?.getRootNode() as ShadowRoot | undefined;
      (root?.activeElement === no.current ? yes : no).current?.focus();
    }
  };
  return (
    <div class="overlay" ref={adoptChromeStyles} onKeyDown={onKey}>
      <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="p-restart-q">
        <p id="p-restart-q">{strings.restartPrompt}</p>
        <div class="row2">
          <button ref={no} class="btn ghost" onClick={() => ctl.askRestart(false)}>
            {strings.dialogNo}
          </button>
          <button ref={yes} class="btn" onClick={() => ctl.restart()}>
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
