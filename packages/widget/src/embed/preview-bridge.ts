import type { Message, WidgetPreviewMessage as PreviewMessage } from '@parley/protocol';
import type { ChatSource, SourceEvents } from '../core/chat-source.js';
import type { MountOptions, WidgetHandle } from '../api/options.js';

function isPreviewMessage(data: unknown): data is PreviewMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { parley, config, sample, reply } = data as Partial<Record<keyof PreviewMessage, unknown>>;
  return (
    parley === 'preview' &&
    typeof config === 'object' &&
    config !== null &&
    typeof (config as { strings?: unknown }).strings === 'object' &&
    Array.isArray(sample) &&
    typeof reply === 'string'
  );
}

/**
 * The console's preview page: the real widget with settings that are not saved yet. The page is a
 * sandboxed frame without its own origin, so nothing it stores touches the console; its settings come
 * by postMessage from the parent window only, and only from this server's origin (the page's URL still
 * names it). The conversation is a local sample: no session, no request, no conversation on the server.
 * Each new message mounts a fresh widget, then removes the previous one, so the frame never shows empty.
 */
export function startPreview(mount: (options: MountOptions) => Promise<WidgetHandle>): void {
  const origin = new URL(location.href).origin;
  // Every change typed in the console mounts a new widget here, and an open widget focuses its composer: a frame's
  // focus() takes the keyboard from the page around it (the console's field being typed in, its open dialog). Focus
  // moves inside the frame only while the frame has the focus already (the admin clicked into the preview).
  const focus = HTMLElement.prototype.focus;
  HTMLElement.prototype.focus = function (this: HTMLElement, options?: FocusOptions) {
    if (document.hasFocus()) focus.call(this, options);
  };
  let shown: Promise<WidgetHandle> | undefined;
  let count = 0;
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source !== window.parent || event.origin !== origin || !isPreviewMessage(event.data)) return;
    const data = event.data;
    const previous = shown;
    shown = mount({
      widgetId: data.config.id,
      layout: data.layout,
      open: true,
      // A key per mount: two widgets on one key would share a conversation channel while they overlap.
      storageKey: `preview-${++count}`,
      // No server behind the preview: its conversation is the local sample below, and an Accept on a consent gate is
      // kept in the frame only (extras/privacy.tsx records nothing without a server): a preview is nobody's consent.
      server: '',
      config: data.config,
      source: () => sampleSource(data),
    });
    void shown.then(() => previous?.then((handle) => handle.destroy()));
  });
  window.parent.postMessage({ parley: 'preview-ready' }, origin);
}

/** A conversation that lives in the page: the sample, then the preview reply to anything sent. */
function sampleSource(data: PreviewMessage): ChatSource {
  const listeners = new Map<keyof SourceEvents, Set<(payload: never) => void>>();
  const emit = <K extends keyof SourceEvents>(event: K, payload: SourceEvents[K]) => {
    for (const listener of listeners.get(event) ?? []) (listener as (value: SourceEvents[K]) => void)(payload);
  };
  let seq = 0;
  const message = (role: 'visitor' | 'bot', text: string): Message => ({
    id: `preview-${++seq}`,
    conversationId: 'preview',
    seq,
    author: { role, id: role, name: role === 'bot' ? data.config.strings.title : '' },
    type: 'text',
    text,
    payload: null,
    clientId: null,
    createdAt: new Date().toISOString(),
  });
  return {
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    start: () => {
      emit('state', { kind: 'open', transport: 'ws', conversationId: 'preview' });
      emit('presence', { agentsOnline: 1, typicalReplyMs: null });
      emit('messages', [...data.sample.map(({ role, text }) => message(role, text))]);
    },
    send: (text) => emit('messages', [message('visitor', text), message('bot', data.reply)]),
    retry: () => undefined,
    typing: () => undefined,
    markRead: () => undefined,
    ensureSession: () => undefined,
    restart: async () => emit('reset', undefined),
    close: () => listeners.clear(),
  };
}
