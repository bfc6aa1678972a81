import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog over the page (Block visitor, Erase contact): focus starts on `initialFocus` and goes back
 * where it was when the dialog closes, Escape (wherever the focus is) and a click on the backdrop close it, Tab and Shift+Tab stay
 * inside it, and its keys do not reach the page behind (the conversation's own Escape goes back to the list).
 * `titleId` names the heading (its `<h2>`), `helpId` the element of `children` that describes the dialog.
 */
export function ModalDialog(props: {
  readonly class: string;
  readonly title: string;
  readonly titleId: string;
  readonly helpId: string;
  readonly initialFocus: RefObject<HTMLElement | null>;
  readonly onClose: () => void;
  readonly children: ComponentChildren;
}) {
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const opener = document.activeElement;
    props.initialFocus.current?.focus();
    // Escape closes the dialog wherever the focus is, as a native modal <dialog> does: a button that turned
    // disabled while it worked (Save, Discard…) drops the focus to the page's body, outside the dialog.
    const onEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      event.preventDefault();
      close.current();
    };
    document.addEventListener('keydown', onEscape, true);
    return () => {
      document.removeEventListener('keydown', onEscape, true);
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  return (
    <div class="dialog-backdrop" onClick={props.onClose}>
      <div
        class={`dialog ${props.class}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={props.titleId}
        aria-describedby={props.helpId}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          event.stopPropagation();
          if (event.key === 'Tab') keepFocusInside(event);
        }}
      >
        <h2 id={props.titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** Tab and Shift+Tab wrap around inside the dialog (aria-modal: the page behind is out of reach). */
function keepFocusInside(event: KeyboardEvent): void {
  const dialog = event.currentTarget;
  if (!(dialog instanceof HTMLElement)) return;
  const focusable = [...dialog.querySelectorAll<HTMLElement>('input, select, textarea, button')].filter(
    (element) => !element.hasAttribute('disabled'),
  );
  const first = focusable[0];
  const last = focusable.at(-1);
  if (first === undefined || last === undefined) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
