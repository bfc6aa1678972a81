import type { RefObject } from 'preact';

/**
 * The keys of a modal dialog inside the widget, for its overlay's onKeyDown: Escape closes the dialog (not the chat
 * window around it), Tab and Shift+Tab cycle through the dialog's own controls. One copy for the chrome extra's
 * dialogs (the restart question, the mail dialog; the conversations extra gets it as a prop); `box` is the dialog element.
 */
export function modalKeys(box: RefObject<HTMLElement | null>, close: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      const controls = [...(box.current?.querySelectorAll<HTMLElement>('input,button') ?? [])];
      // The focused control inside the shadow root matches :focus there, so no root lookup is needed.
      const at = controls.findIndex((control) => control.matches(':focus'));
      event.preventDefault();
      controls[(at + (event.shiftKey ? -1 : 1) + controls.length) % controls.length]?.focus();
    }
  };
}
