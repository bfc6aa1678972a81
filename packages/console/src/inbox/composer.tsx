import { useEffect, useRef, useState } from 'preact/hooks';
import { matchCanned, useCanned } from './canned-responses.js';
import { PaperclipIcon } from '../ui/paperclip-icon.js';
import { UploadList } from './upload-list.js';
import type { UploadItem } from './use-uploads.js';

/** What the server accepts (it reads the type from the bytes; this only narrows the file picker). */
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.pdf';

const EMOJI = [
  '😀',
  '😊',
  '😂',
  '😉',
  '😍',
  '🤔',
  '😅',
  '😢',
  '👍',
  '👎',
  '👏',
  '🙏',
  '🎉',
  '❤️',
  '🔥',
  '✅',
  '❌',
  '⚠️',
  '👋',
  '💡',
  '📎',
  '⏰',
  '🚀',
  '☕',
];

export type ComposerMode = 'reply' | 'note';

/**
 * Reply or private note. Enter sends, Shift+Enter adds a line; `/word` offers the team's canned
 * responses (↑/↓ to choose, Enter or Tab to insert). Typing is reported while the draft changes.
 * Files (the attach button, dropped on the composer or pasted) go to the visitor with progress.
 */
export function Composer(props: {
  mode: ComposerMode;
  onMode: (mode: ComposerMode) => void;
  onSend: (text: string, mode: ComposerMode) => Promise<boolean>;
  onTyping: (active: boolean) => void;
  focusSignal: number;
  disabledReason: string | null;
  onFiles: (files: readonly File[]) => void;
  uploads: readonly UploadItem[];
  onDismissUpload: (key: number) => void;
}) {
  const [draft, setDraft] = useState('');
  const [emojiOpen, setEmojiOpen] = useState(false);
  const [choice, setChoice] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const canned = useCanned();
  const suggestions = matchCanned(draft, canned.list);
  const hasFiles = (transfer: DataTransfer | null) => transfer !== null && [...transfer.types].includes('Files');

  useEffect(() => {
    if (props.focusSignal > 0) area.current?.focus();
  }, [props.focusSignal]);

  // A file dropped beside the composer would make the browser open it in place of the console.
  useEffect(() => {
    const keep = (event: DragEvent) => {
      if (
        hasFiles(event.dataTransfer) &&
        !(event.target instanceof Node && event.target.isConnected && form.current?.contains(event.target))
      )
        event.preventDefault();
    };
    addEventListener('dragover', keep);
    addEventListener('drop', keep);
    return () => {
      removeEventListener('dragover', keep);
      removeEventListener('drop', keep);
    };
  }, []);

  const send = async () => {
    const text = draft.trim();
    if (text === '') return;
    props.onTyping(false);
    lastTyping.current = 0;
    if (await props.onSend(text, props.mode)) setDraft('');
  };

  const change = (value: string) => {
    setDraft(value);
    setChoice(0);
    if (props.mode !== 'reply') return;
    const now = Date.now();
    // Renew well inside the server's 6 s typing lifetime, but not on every keystroke.
    if (value !== '' && now - lastTyping.current > 3000) {
      lastTyping.current = now;
      props.onTyping(true);
    } else if (value === '') {
      lastTyping.current = 0;
      props.onTyping(false);
    }
  };

  const insert = (text: string) => {
    const el = area.current;
    const at = el?.selectionStart ?? draft.length;
    change(draft.slice(0, at) + text + draft.slice(el?.selectionEnd ?? at));
    setEmojiOpen(false);
    el?.focus();
  };

  const onKey = (event: KeyboardEvent) => {
    if (suggestions.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setChoice((choice + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        change(suggestions[choice]?.text ?? draft);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const note = props.mode === 'note';
  return (
    <form
      ref={form}
      class={`composer${note ? ' note-mode' : ''}${dragging ? ' dragging' : ''}`}
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
      onDragOver={(event) => {
        if (!hasFiles(event.dataTransfer)) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!(event.currentTarget as Node).contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => {
        if (!hasFiles(event.dataTransfer)) return;
        event.preventDefault();
        setDragging(false);
        props.onFiles([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      <div class="composer-tabs" role="group" aria-label="Message kind">
        <button type="button" aria-pressed={!note} onClick={() => props.onMode('reply')}>
          Reply
        </button>
        <button type="button" aria-pressed={note} onClick={() => props.onMode('note')}>
          Private note
        </button>
      </div>
      {suggestions.length > 0 ? (
        <ul class="canned" role="listbox" aria-label="Canned responses">
          {suggestions.map((item, index) => (
            <li role="option" aria-selected={index === choice} onMouseDown={(e) => (e.preventDefault(), change(item.text))}>
              <span class="canned-key">/{item.shortcut}</span> {item.text}
            </li>
          ))}
        </ul>
      ) : null}
      <label class="visually-hidden" for="composer-text">
        {note ? 'Private note (only agents see it)' : 'Reply to the visitor'}
      </label>
      <textarea
        id="composer-text"
        ref={area}
        rows={3}
        value={draft}
        placeholder={
          note ? 'Write a note only your team sees…' : (props.disabledReason ?? 'Reply… (Markdown, /shortcut for canned responses)')
        }
        onInput={(e) => change(e.currentTarget.value)}
        onKeyDown={onKey}
        onBlur={() => props.onTyping(false)}
        onPaste={(event) => {
          const files = [...(event.clipboardData?.files ?? [])];
          if (files.length === 0) return;
          event.preventDefault();
          props.onFiles(files);
        }}
      />
      <UploadList items={props.uploads} onDismiss={props.onDismissUpload} />
      {dragging ? (
        <p class="drop-hint" aria-hidden="true">
          Drop to send to the visitor
        </p>
      ) : null}
      <div class="composer-bar">
        <div class="composer-tools">
          <button
            type="button"
            class="button ghost small"
            aria-expanded={emojiOpen}
            aria-label="Insert emoji"
            onClick={() => setEmojiOpen(!emojiOpen)}
          >
            😊
          </button>
          <button
            type="button"
            class="button ghost small"
            aria-label="Attach files"
            title="Attach files (or drop or paste them here); images, PDF or text up to 10 MB"
            onClick={() => picker.current?.click()}
          >
            <PaperclipIcon />
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            accept={ACCEPT}
            hidden
            data-testid="attach-input"
            onChange={(event) => {
              props.onFiles([...(event.currentTarget.files ?? [])]);
              event.currentTarget.value = '';
            }}
          />
          <span class="muted small hide-narrow">
            <strong>**bold**</strong> <em>*italic*</em> `code`
          </span>
        </div>
        <button type="submit" class={`button ${note ? 'note-button' : 'primary'}`} disabled={draft.trim() === ''}>
          {note ? 'Add note' : 'Send'}
        </button>
      </div>
      {emojiOpen ? (
        <div class="emoji-grid" role="group" aria-label="Emoji">
          {EMOJI.map((emoji) => (
            <button type="button" onClick={() => insert(emoji)} aria-label={`Insert ${emoji}`}>
              {emoji}
            </button>
          ))}
        </div>
      ) : null}
    </form>
  );
}
