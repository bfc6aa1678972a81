import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** The picker's frame; its emoji set is a lazy chunk, fetched on first open. */
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
