type Listeners<Events> = { [K in keyof Events]?: Set<(payload: Events[K]) => void> };

/** A tiny typed emitter; `on` returns its unsubscribe. A throwing listener cannot stop the others. */
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
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
