import type { VNode } from 'preact';

const icon = (d: string) =>
  function Icon(): VNode {
    return (
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
        <path d={d} />
      </svg>
    );
  };

export const ChatIcon = icon('M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z');
export const HelpIcon = icon('M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h.01');
export const MessageIcon = icon('M4 4h16v12H7l-3 3z');
export const CloseIcon = icon('M18 6 6 18M6 6l12 12');
export const MinimizeIcon = icon('M6 9l6 6 6-6');
export const MaximizeIcon = icon('M15 3h6v6M9 21H3v-6M21 3l-7 7M3 21l7-7');
/** Maximize's arrows turned inwards: the window goes back to its size. */
export const RestoreIcon = icon('M4 14h6v6M20 10h-6V4M14 10l7-7M3 21l7-7');
export const RestartIcon = icon('M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5');
export const ExportIcon = icon('M12 3v12M7 10l5 5 5-5M5 21h14');
export const SendIcon = icon('M22 2 11 13M22 2l-7 20-4-9-9-4z');
export const EmojiIcon = icon('M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01');
export const MicIcon = icon('M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3zM19 10v2a7 7 0 0 1-14 0v-2M12 19v3');
export const AttachIcon = icon('M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15.5 8');
