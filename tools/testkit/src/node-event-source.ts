import type { EventSourceLike } from '@parley/client';

type Listener = (event: { readonly data: unknown }) => void;

/**
 * A minimal EventSource for Node tests, over fetch streaming: `open`, `message` (data lines joined
 * by newlines), `error` when the request fails or the stream ends. Unlike the browser's it never
 * reconnects by itself, which is what the client's SSE transport wants anyway.
 */
export class NodeEventSource implements EventSourceLike {
  private readonly abort = new AbortController();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;

  constructor(url: string) {
    void this.run(url);
  }

  addEventListener(type: 'open' | 'message' | 'error', listener: Listener): void {
    const set = this.listeners.get(type) ?? new Set();
    this.listeners.set(type, set);
    set.add(listener);
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private dispatch(type: string, data: unknown = undefined): void {
    if (this.closed) return;
    for (const listener of this.listeners.get(type) ?? []) listener({ data });
  }

  private async run(url: string): Promise<void> {
    // Listeners are added right after construction: start on the next tick so none misses 'open'.
    await Promise.resolve();
    try {
      const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
      if (!response.ok || response.body === null || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await response.body?.cancel();
        return this.dispatch('error');
      }
      this.dispatch('open');
      const decoder = new TextDecoder();
      let buffer = '';
      let data: string[] = [];
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (data.length > 0) this.dispatch('message', data.join('\n'));
            data = [];
          } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
      }
      this.dispatch('error');
    } catch {
      this.dispatch('error');
    }
  }
}
