import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Controller } from './controller.js';
import { LazyChrome } from './chrome-lazy.js';
import { AttachIcon, EmojiIcon, MicIcon, SendIcon } from './icons.js';
import { useView } from './use-view.js';

/** Text box with send, typing signal, the lazily loaded emoji picker and voice input (where the browser has it). */
export function Composer({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const { strings } = state.config;
  const box = useRef<HTMLTextAreaElement>(null);
  const attachments = state.config.attachments;
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [picker, setPicker] = useState<readonly string[] | null>(null);
  const contact = state.config.contactCollection;
  const blocked = typeof contact === 'object' && contact.when === 'before' && contact.required === true && !state.done.includes('contact');
  // The server refused this visitor (an agent blocked them, or the page may not use this chat): the window says so,
  // and nothing can be typed that would only wait for ever as "Sending…".
  const stopped = state.connection.kind === 'closed' && state.connection.reason === 'forbidden';

  useEffect(() => {
    // Only a window the visitor has just opened takes the keyboard (their click, or the page's button calling open):
    // one restored open by a reload, or opened by the page as it loads, has no user activation and leaves the page's
    // focus where it is. A browser without userActivation (Safari < 16.4) focuses nothing: the visitor clicks the box.
    if (state.layout === 'bubble' && (navigator.userActivation as UserActivation | undefined)?.isActive) box.current?.focus();
  }, []);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    element.style.height = 'auto';
    // An empty box is one line at its natural height: measuring it on opening laid the whole window out in that task.
    if (state.draft) element.style.height = `${Math.min(element.scrollHeight, 120)}px`;
  }, [state.draft]);

  const stopTyping = () => {
    clearTimeout(typingTimer.current);
    if (typingTimer.current !== undefined) ctl.typing(false);
    typingTimer.current = undefined;
  };
  const submit = () => {
    const text = state.draft.trim();
    if (text === '' || blocked || stopped) return;
    stopTyping();
    ctl.send(text);
    ctl.setDraft('');
    box.current?.focus();
  };
  const onInput = (value: string) => {
    ctl.setDraft(value);
    if (typingTimer.current === undefined) ctl.typing(true);
    clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(stopTyping, 3000);
  };
  const openPicker = async () => {
    if (picker !== null) return setPicker(null);
    const { EMOJI } = await import('../extras/emoji.js');
    setPicker(EMOJI);
  };
  return (
    <div class="compose">
      <label class="sr" for="p-compose">
        {strings.placeholder}
      </label>
      {/* Blocked until the contact form is answered: say so where the visitor would type, and lead them to it. */}
      {blocked ? (
        <button class="hint" onClick={(event) => focusContactForm(event.currentTarget)}>
          {strings.contactFirst}
        </button>
      ) : (
        <textarea
          id="p-compose"
          dir="auto"
          ref={box}
          rows={1}
          disabled={stopped}
          placeholder={strings.placeholder}
          value={state.draft}
          onInput={(event) => onInput(event.currentTarget.value)}
          onPaste={(event) => {
            const files = [...(event.clipboardData?.files ?? [])];
            if (attachments && files.length > 0) {
              event.preventDefault();
              ctl.attach(files);
            }
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              submit();
            }
          }}
        />
      )}
      {(attachments || state.config.voiceIn) && (
        <LazyChrome part={(chrome) => chrome.ComposerTools} props={{ ctl, icons: { attach: <AttachIcon />, mic: <MicIcon /> } }} />
      )}
      <button class="ib" aria-label={strings.emoji} aria-expanded={picker !== null} onClick={() => void openPicker()}>
        <EmojiIcon />
      </button>
      <button class="ib send" aria-label={strings.send} disabled={state.draft.trim() === '' || blocked || stopped} onClick={submit}>
        <SendIcon />
      </button>
      {picker !== null && (
        <LazyChrome
          part={(chrome) => chrome.EmojiPicker}
          props={{
            emoji: picker,
            onPick: (emoji: string) => {
              ctl.setDraft(`${ctl.store.state.draft}${emoji}`);
              box.current?.focus();
            },
            onClose: () => {
              setPicker(null);
              box.current?.focus();
            },
          }}
        />
      )}
    </div>
  );
}

/** Moves focus to the contact form's first field (the form sits at the top of the conversation). */
function focusContactForm(from: Element | null): void {
  const root = from?.getRootNode() as ShadowRoot | Document | undefined;
  const field = root?.querySelector<HTMLInputElement>('form.form input');
  field?.scrollIntoView({ block: 'center' });
  field?.focus();
}
