type Listeners<Events> = { [K in keyof Events]?: Set<(payload: Events[K]) => void> };

/** A tiny typed event emitter: `on` returns its own unsubscribe, and a throwing listener cannot break the others. */
export class Emitter<Events> {
  private readonly listeners: Listeners<Events> = {};

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    const set = this.listeners[event] ?? new Set();
    this.listeners[event] = set;
    set.add(listener);
    return () => void set.delete(listener);
  }

  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.listeners[event]?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners[event] ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        // A listener's bug must not stop the connection; surface it asynchronously like an uncaught error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
