import type { VNode } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { LazyChrome } from './chrome-lazy.js';
import { Composer } from './composer.js';
import type { Controller } from './controller.js';
import { DeskStatus } from './desk-status.js';
import { ExportIcon, MaximizeIcon, MinimizeIcon, RestartIcon, RestoreIcon } from './icons.js';
import { MessageLog } from './message-log.js';
import { duration, fill } from './text.js';
import { useView } from './use-view.js';

/** The open chat: header with controls, connection line, conversation, composer, footer, restart dialog. */
export function ChatWindow({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const { config, layout } = state;
  const { strings } = config;
  const floating = layout === 'bubble';
  const section = useRef<HTMLElement>(null);
  const hadDialog = useRef(false);
  // A layout effect, not an effect: the latter runs after paint, and a key pressed before that (a second
  // Escape to close) would land on the page's body instead of the chat.
  useLayoutEffect(() => {
    // The question answered, focus goes back into the chat (its opener may be gone after a restart).
    if (hadDialog.current && state.dialog === null) section.current?.querySelector('textarea')?.focus();
    hadDialog.current = state.dialog !== null;
  }, [state.dialog]);
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && floating && state.dialog === null) ctl.setOpen(false);
  };
  // Who can answer is known once the conversation's connection says (presence); nothing is claimed before that.
  // While a person holds the conversation the desk line names them: "we are away" beside it would contradict it.
  // (The server sets `offline` whenever no agent is online, outside business hours too.)
  const presence = state.owner === 'human' ? null : state.presence;
  const away = presence?.offline;
  const availability =
    presence === null
      ? null
      : away
        ? strings.agentsOffline
        : presence.typicalReplyMs !== null
          ? fill(strings.repliesIn, { time: duration(presence.typicalReplyMs, config.language) })
          : strings.agentsOnline;
  const connection = state.connection;
  // A stopped link (an agent blocked the visitor, or the page may not use this chat) says so calmly, where "Reconnecting…" goes.
  const connLine = !state.online
    ? strings.offline
    : connection.kind === 'closed' && connection.reason === 'forbidden'
      ? strings.blocked
      : connection.kind === 'reconnecting' && (connection.attempt > 0 || connection.reason !== 'lost')
        ? strings.reconnecting
        : null;
  return (
    <section
      ref={section}
      class={`win${state.maximized && floating ? ' max' : ''}`}
      role="dialog"
      aria-label={strings.title}
      onKeyDown={onKey}
      onDragOver={(event) => config.attachments && event.preventDefault()}
      onDrop={(event) => {
        const files = [...(event.dataTransfer?.files ?? [])];
        if (!config.attachments || files.length === 0) return;
        event.preventDefault();
        ctl.attach(files);
      }}
    >
      <div class="winwrap">
        <header class="head">
          {config.theme.avatarUrl !== undefined && (
            <div class="ava" aria-hidden="true">
              <img src={config.theme.avatarUrl} alt="" />
            </div>
          )}
          <div class="who">
            {/* dir=auto: a site's own title keeps its punctuation where its own script puts it, in an RTL widget too. */}
            <h2 dir="auto" title={strings.title}>
              {strings.title}
            </h2>
            {availability !== null && (
              <div class="avail" title={availability}>
                <span class={away ? 'dot away' : 'dot'} aria-hidden="true" />
                <span>{availability}</span>
              </div>
            )}
          </div>
          <div class="ctl">
            {/* Always: the tools decide what shows, and their mounting on each open sends the reports' "opened". */}
            <LazyChrome
              part={(chrome) => chrome.HeaderTools}
              props={{ ctl, icons: { export: <ExportIcon />, restart: <RestartIcon /> } }}
            />
            {config.maximize && floating && (
              <button
                class="ib max-btn"
                aria-label={state.maximized ? strings.controlRestore : strings.controlMaximize}
                title={state.maximized ? strings.controlRestore : strings.controlMaximize}
                onClick={() => ctl.toggleMaximize()}
              >
                {state.maximized ? <RestoreIcon /> : <MaximizeIcon />}
              </button>
            )}
            {/* It closes the window (the conversation goes on): called so, as the launcher's own close is. */}
            {floating && (
              <button class="ib" aria-label={strings.launcherClose} title={strings.launcherClose} onClick={() => ctl.setOpen(false)}>
                <MinimizeIcon />
              </button>
            )}
          </div>
        </header>
        {connLine !== null && (
          <div class="conn" role="status">
            {connLine}
          </div>
        )}
        {/* The consent gate (privacy.consent, not yet accepted) instead of the conversation: no composer before Accept. */}
        {state.gate ? (
          <LazyChrome part={(chrome) => chrome.Gate} props={{ ctl }} />
        ) : (
          [<MessageLog ctl={ctl} />, <DeskStatus ctl={ctl} />, <Composer ctl={ctl} />]
        )}
        {config.poweredBy && (
          <div class="foot">
            <a href="https://github.com/parley-chat/parley" target="_blank" rel="noopener noreferrer">
              {strings.poweredBy}
            </a>
          </div>
        )}
        {state.dialog === 'restart' && <LazyChrome part={(chrome) => chrome.RestartDialog} props={{ ctl }} />}
      </div>
    </section>
  );
}
