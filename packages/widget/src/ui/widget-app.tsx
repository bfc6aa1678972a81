import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { unreadCount } from '../core/view-store.js';
import { ChatWindow } from './chat-window.js';
import { LazyChrome } from './chrome-lazy.js';
import type { Controller } from './controller.js';
import { ChatIcon, CloseIcon, HelpIcon, MessageIcon } from './icons.js';
import { plainText } from './markdown.js';
import { fill } from './text.js';
import { useView } from './use-view.js';

const LAUNCHER_ICONS = { chat: ChatIcon, help: HelpIcon, message: MessageIcon };

/** The root: a floating launcher + window, or the window alone (inline, fullscreen). */
export function WidgetApp({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const launcher = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(state.open);
  useEffect(() => {
    // Focus returns to the launcher when the window closes (not on the first render).
    if (wasOpen.current && !state.open) launcher.current?.focus();
    wasOpen.current = state.open;
  }, [state.open]);

  if (state.layout !== 'bubble') {
    return (
      <div class={state.layout === 'inline' ? 'inline' : 'full'}>
        <ChatWindow ctl={ctl} />
      </div>
    );
  }
  const { strings, theme, messagePeek } = state.config;
  const unread = unreadCount(state);
  const peek = state.messages.findLast((message) => message.author.role !== 'visitor' && message.type !== 'event');
  // The unread badge's count is in the launcher's name ("Open chat, 2 unread messages"): the name holds the visible text
  // (WCAG 2.5.3, axe label-content-name-mismatch) and says it once; the badge itself is hidden from assistive technology.
  const badge = !state.open && unread > 0;
  const count = unread > 9 ? '9+' : String(unread);
  const showPeek = messagePeek && badge && peek !== undefined && peek.seq > state.peekDismissed;
  const Icon = LAUNCHER_ICONS[theme.launcherIcon ?? 'chat'];
  const label = state.open ? strings.launcherClose : strings.launcherOpen;
  return (
    <div class={`float${state.open ? ' open' : ''}`}>
      {state.open && <ChatWindow ctl={ctl} />}
      {showPeek && peek !== undefined && (
        <LazyChrome
          part={(chrome) => chrome.Peek}
          props={{ ctl, message: { ...peek, text: plainText(peek.text) }, close: <CloseIcon /> }}
        />
      )}
      {state.launcher && (
        <button
          ref={launcher}
          class="launcher"
          aria-label={badge ? `${label}, ${fill(strings.unreadBadge, { count })}` : label}
          aria-expanded={state.open}
          onClick={() => ctl.setOpen(!state.open)}
        >
          {state.open ? <CloseIcon /> : <Icon />}
          {badge && (
            <span class="badge" aria-hidden="true">
              {count}
            </span>
          )}
        </button>
      )}
    </div>
  );
}
