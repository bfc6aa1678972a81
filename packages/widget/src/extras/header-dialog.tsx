import type { VNode } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { adoptChromeStyles } from './chrome-styles.js';
import type { modalKeys } from './modal-keys.js';

/**
 * A header icon button that opens a dialog and, when the dialog closes, gives the focus back to itself: the mail
 * transcript's envelope, the conversations list, the conversation link. In the chrome's chunk; the extras of their own
 * get it (with the chrome's styles and modal keys) as props, since importing it would split it into a chunk of its own.
 */
export function HeaderDialog({
  label,
  icon,
  dialog,
}: {
  readonly label: string;
  readonly icon: VNode;
  /** The dialog while open; `close` closes it and refocuses the button. */
  readonly dialog: (close: () => void) => VNode;
}): VNode {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  return (
    <>
      <button
        ref={opener}
        class="ib"
        aria-label={label}
        title={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen(true)}
      >
        {icon}
      </button>
      {open && dialog(close)}
    </>
  );
}

/**
 * What the chrome lends the extras of their own that draw in its header (conversations, conversation link): its styles
 * (.btn, .dialog, .overlay, adopted only when one of their parts shows), its dialogs' keys and this button. Imported
 * there, these modules would leave the chrome chunk for a shared chunk of their own, one more file the chrome waits for.
 */
export interface ChromeParts {
  readonly chromeStyles: typeof adoptChromeStyles;
  readonly modalKeys: typeof modalKeys;
  readonly HeaderDialog: typeof HeaderDialog;
}
