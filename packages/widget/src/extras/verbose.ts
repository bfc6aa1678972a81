import type { ConnectionState } from '@parley/client';
import type { ViewState, ViewStore } from '../core/view-store.js';

/**
 * `verbose: true`: what the widget does, in the browser console — its config, each connection change
 * (transport, reconnects and why), messages in, the outbox, the visitor opening and closing. A lazy
 * extra: a widget without the option never loads a byte of it.
 */
export function logWidget(key: string, store: ViewStore): void {
  // eslint-disable-next-line no-console -- the console is what the site owner asked for with `verbose`.
  const log = (...parts: readonly unknown[]): void => console.info(`[parley ${key}]`, ...parts);
  let last: ViewState = store.state;
  const { language, layout, stream, startFirst, sessionDuration } = last.config;
  log('config', { language, layout, stream, startFirst, sessionDuration });
  log('connection', connectionText(last.connection));
  store.subscribe(() => {
    const next = store.state;
    if (next.connection !== last.connection) log('connection', connectionText(next.connection));
    const seq = next.messages.at(-1)?.seq ?? 0;
    if (seq !== (last.messages.at(-1)?.seq ?? 0)) log('messages', `${next.messages.length} held, up to seq ${seq}`);
    if (next.outbox !== last.outbox)
      log(
        'outbox',
        next.outbox.map((entry) => `${entry.clientId} ${entry.status}`),
      );
    if (next.open !== last.open) log(next.open ? 'opened' : 'closed');
    if (next.online !== last.online) log(next.online ? 'browser online' : 'browser offline');
    if (next.owner !== last.owner) log('answered by', next.owner);
    if (next.config.language !== last.config.language) log('language', next.config.language);
    last = next;
  });
}

function connectionText(state: ConnectionState): string {
  switch (state.kind) {
    case 'connecting':
      return `connecting over ${state.transport} (attempt ${state.attempt + 1})`;
    case 'open':
      return `open over ${state.transport}${state.conversationId === null ? '' : ` to ${state.conversationId}`}`;
    case 'reconnecting':
      return `reconnecting (${state.reason}, attempt ${state.attempt}${state.delayMs === null ? '' : `, in ${state.delayMs} ms`})`;
    case 'closed':
      return `closed (${state.reason}${state.code === null ? '' : `, code ${state.code}`})`;
    default:
      return state.kind;
  }
}
