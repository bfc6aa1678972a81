import type { Bus } from './bus.js';

/** The single-node bus: in-process, synchronous hand-off on a microtask. */
export class MemoryBus implements Bus {
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  async publish(channel: string, payload: string): Promise<void> {
    const handlers = this.channels.get(channel);
    if (handlers === undefined) return;
    for (const handler of [...handlers]) queueMicrotask(() => handler(payload));
  }

  async subscribe(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (payload: string): void => handler(payload);
    handlers.add(entry);
    return async () => {
      handlers.delete(entry);
      if (handlers.size === 0) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
