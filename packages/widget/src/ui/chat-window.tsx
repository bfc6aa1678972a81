import type { VNode } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { LazyChrome } from './chrome-lazy.js';
import { Composer } from './composer.js';
import type { Controller } from './controller.js';
import { DeskStatus } from './desk-status.js';
import { ExportIcon, MaximizeIcon, MinimizeIcon, RestartIcon } from './icons.js';
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
  const presence = state.presence;
  const availability =
    presence?.offline === true
      ? strings.agentsOffline
      : presence?.typicalReplyMs !== null && presence?.typicalReplyMs !== undefined
        ? fill(strings.repliesIn, { time: duration(presence.typicalReplyMs, config.language) })
        : strings.agentsOnline;
  const connection = state.connection;
  const connLine = !state.online
    ? strings.offline
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
            <h2>{strings.title}</h2>
            <div class="avail">
              <span class="dot" aria-hidden="true" />
              <span>{availability}</span>
            </div>
          </div>
          <div class="ctl">
            {(config.languages.length > 1 || (state.messages.length > 0 && (config.exportConversation || config.restartConversation))) && (
              <LazyChrome
                part={(chrome) => chrome.HeaderTools}
                props={{ ctl, icons: { export: <ExportIcon />, restart: <RestartIcon /> } }}
              />
            )}
            {config.maximize && floating && (
              <button
                class="ib max-btn"
                aria-label={strings.controlMaximize}
                aria-pressed={state.maximized}
                title={strings.controlMaximize}
                onClick={() => ctl.toggleMaximize()}
              >
                <MaximizeIcon />
              </button>
            )}
            {floating && (
              <button class="ib" aria-label={strings.controlMinimize} title={strings.controlMinimize} onClick={() => ctl.setOpen(false)}>
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
        <MessageLog ctl={ctl} />
        <DeskStatus ctl={ctl} />
        <Composer ctl={ctl} />
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
