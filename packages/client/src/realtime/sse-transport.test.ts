import { REALTIME_VERSION, type ServerFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { SseTransport, type EventSourceLike } from './sse-transport.js';

type Listener = (event: { readonly data: unknown }) => void;

/** An EventSource the test drives by hand: `emit('open')` is the response headers arriving. */
class ScriptedEventSource implements EventSourceLike {
  static last: ScriptedEventSource | undefined;
  private readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    ScriptedEventSource.last = this;
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {}
  emit(type: 'open' | 'message' | 'error', data?: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data });
  }
}

const target = { baseUrl: 'http://parley.test', token: 't', lastSeq: 0 };
const welcome = { type: 'welcome', v: REALTIME_VERSION, conversationId: 'c1', lastSeq: 0, heartbeatMs: 25_000 } satisfies ServerFrame;

describe('SseTransport', () => {
  it('is established on welcome, not when the response headers arrive, and passes heartbeats on', async () => {
    const transport = new SseTransport(ScriptedEventSource, globalThis.fetch, target);
    const frames: string[] = [];
    let established = false;
    void transport
      .open(
        (frame) => frames.push(frame.type),
        () => undefined,
      )
      .then(() => (established = true));
    const source = ScriptedEventSource.last;
    source?.emit('open');
    source?.emit('message', ': not json');
    await Promise.resolve();
    expect(established).toBe(false);
    source?.emit('message', JSON.stringify(welcome));
    source?.emit('message', JSON.stringify({ type: 'ping' }));
    await Promise.resolve();
    expect(established).toBe(true);
    expect(frames).toEqual(['welcome', 'ping']);
    expect(transport.heartbeats).toBe(true);
  });
});
