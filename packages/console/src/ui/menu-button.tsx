import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  readonly label: string;
  /** A second, quieter line (an agent's status, a snooze's exact time). */
  readonly hint?: string;
  readonly onSelect: () => void;
  /** Marks the current choice (the assignee). */
  readonly checked?: boolean;
  readonly danger?: boolean;
}

/** A heading line between groups of items; not focusable. */
export interface MenuGroup {
  readonly heading: string;
  readonly items: readonly MenuItem[];
}

/**
 * A toolbar button that opens a menu (WAI-ARIA menu button): ↓/↑ move, Home/End jump, Enter/Space
 * choose, Escape closes and gives focus back, a click elsewhere closes. One component for Assign,
 * Snooze and More, so the header is one row of buttons instead of bare dropdowns.
 */
export function MenuButton(props: {
  label: ComponentChildren;
  /** The accessible name when the visible label is an icon or a value (e.g. "Assign: Sam Rivera"). */
  ariaLabel?: string;
  groups: readonly MenuGroup[];
  align?: 'start' | 'end';
  class?: string;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = () => [...(root.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const outside = (event: Event) => {
      if (!(event.target instanceof Node) || !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    document.addEventListener('focusin', outside);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('focusin', outside);
    };
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKey = (event: KeyboardEvent) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const move = (index: number) => list[(index + list.length) % list.length]?.focus();
    const target: Readonly<Record<string, number>> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 };
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation(); // Escape closes the menu, not the conversation.
      close();
    } else if (target[event.key] !== undefined) {
      event.preventDefault();
      move(target[event.key] ?? 0);
    } else if (event.key === 'Tab') setOpen(false);
  };

  return (
    <div class={`menu-wrap${props.class === undefined ? '' : ` ${props.class}`}`} ref={root} onKeyDown={open ? onKey : undefined}>
      <button
        type="button"
        class="button small"
        ref={button}
        id={`${id}-button`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={props.ariaLabel}
        onClick={() => setOpen(!open)}
        onKeyDown={(event) => {
          if (!open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {props.label}
        <svg class="chevron" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
          <path d="M2 3.5l3 3 3-3" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
        </svg>
      </button>
      {open ? (
        <div class={`menu menu-${props.align ?? 'start'}`} role="menu" id={id} aria-labelledby={`${id}-button`}>
          {props.groups.map((group) =>
            group.items.length === 0 ? null : (
              <div role="group" aria-label={group.heading} class="menu-group">
                {group.heading === '' ? null : (
                  <div class="menu-heading" aria-hidden="true">
                    {group.heading}
                  </div>
                )}
                {group.items.map((item) => (
                  <button
                    type="button"
                    role={item.checked === undefined ? 'menuitem' : 'menuitemradio'}
                    aria-checked={item.checked}
                    tabIndex={-1}
                    class={`menu-item${item.danger === true ? ' danger' : ''}`}
                    onClick={() => {
                      close();
                      item.onSelect();
                    }}
                  >
                    <span class="menu-check" aria-hidden="true">
                      {item.checked === true ? '✓' : ''}
                    </span>
                    <span class="menu-label">{item.label}</span>
                    {item.hint === undefined ? null : <span class="menu-hint">{item.hint}</span>}
                  </button>
                ))}
              </div>
            ),
          )}
        </div>
      ) : null}
    </div>
  );
}
