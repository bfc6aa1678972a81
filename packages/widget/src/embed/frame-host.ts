/** The embedding page's side of the iframe API: commands go only to the server's origin, events are taken only from it. */
export interface FrameConnection {
  call(command: string, ...args: unknown[]): void;
  on(event: string, listener: (detail: unknown) => void): () => void;
  close(): void;
}

export function connectFrame(frame: HTMLIFrameElement, serverOrigin: string): FrameConnection {
  const origin = new URL(serverOrigin).origin;
  const listeners = new Map<string, Set<(detail: unknown) => void>>();
  const onMessage = (event: MessageEvent<unknown>) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const data = event.data as { parley?: unknown; event?: unknown; detail?: unknown } | null;
    if (data === null || typeof data !== 'object' || data.parley !== 1 || typeof data.event !== 'string') return;
    for (const listener of listeners.get(data.event) ?? []) listener(data.detail);
  };
  window.addEventListener('message', onMessage);
  return {
    call: (command, ...args) => frame.contentWindow?.postMessage({ parley: 1, command, args }, origin),
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => void set.delete(listener);
    },
    close: () => window.removeEventListener('message', onMessage),
  };
}
