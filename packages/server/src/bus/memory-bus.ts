import { deliverLocally, type Bus, type BusLog } from './bus.js';

/** The single-node bus: in-process, synchronous hand-off on a microtask. */
export class MemoryBus implements Bus {
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  /** The log defaults to the console so a throwing handler is never silent, even where no logger is passed. */
  constructor(private readonly log: BusLog = console) {}

  async publish(channel: string, payload: string): Promise<void> {
    const handlers = this.channels.get(channel);
    if (handlers === undefined) return;
    deliverLocally(channel, handlers, payload, this.log);
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
      // Only drop the set if it is still the channel's current one (a later subscribe may have made a new one).
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
