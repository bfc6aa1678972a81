import type { Bus, BusLog } from '../bus/bus.js';
import { BOTS_CHANNEL } from '../bots/bot-cache.js';
import type { PublicConfigEntry } from './public-config.js';

/** Where a node says "this widget's public config changed" to the others; see `encode` for the payload. */
export const CONFIG_CHANNEL = 'parley:config';

/** What a change touched: one widget (settings, setup, deletion) or a blueprint, which many widgets read. */
export type ConfigChange = { readonly widgetId: string } | { readonly blueprintId: string };

/** What the services that change a config need of the cache: to say so once the change is committed. */
export interface ConfigChanges {
  changed(change: ConfigChange): Promise<void>;
}

export interface PublicConfigCacheOptions {
  /** A notice missed on the bus (Redis away) is caught up after this long at the latest; as the bot cache. */
  readonly ttlMs?: number;
  /** Widgets kept at once; the oldest read goes first. A miss only costs one read through the route. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Slot {
  readonly entry: Promise<PublicConfigEntry>;
  /** Set once `entry` resolved, while the slot is still the current one: what the hot path reads synchronously. */
  ready: PublicConfigEntry | undefined;
  readonly expires: number;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 5_000;

/**
 * Widgets' public configs, kept in memory per node: `GET /v1/widgets/:id/config` runs on every page view of
 * every site, and a config changes only when an admin edits it. Every change path announces itself once
 * committed — widget and blueprint edits and setup runs on `parley:config`, bot edits on the bots' own
 * channel — and each node drops what it touched; the TTL bounds how long a node that missed a notice
 * (Redis away) serves the old config, and `clear` runs when the bus resynchronised.
 *
 * A read that started before a change can finish after its notice: the notice drops the slot, so that
 * read's result is never kept. An entry is kept only when its read started while this node was listening
 * to the notices, so no change can slip between the two.
 */
export class PublicConfigCache implements ConfigChanges {
  private readonly slots = new Map<string, Slot>();
  private listening: Promise<void> | undefined;
  private subscribed = false;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly read: (widgetId: string) => Promise<PublicConfigEntry>,
    private readonly bus: Bus,
    private readonly log: BusLog,
    options: PublicConfigCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? TTL_MS;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** The widget's entry if this node holds a fresh one: the hot path's synchronous lookup. */
  peek(widgetId: string): PublicConfigEntry | undefined {
    const slot = this.slots.get(widgetId);
    return slot !== undefined && slot.expires > this.now() ? slot.ready : undefined;
  }

  /** The widget's entry, read (and kept, when this node hears the notices) unless a fresh one is held. Rejects like the read. */
  load(widgetId: string): Promise<PublicConfigEntry> {
    this.listen();
    const cached = this.slots.get(widgetId);
    if (cached !== undefined && cached.expires > this.now()) return cached.entry;
    const entry = this.read(widgetId);
    if (!this.subscribed) return entry;
    const slot: Slot = { entry, ready: undefined, expires: this.now() + this.ttlMs };
    this.slots.delete(widgetId);
    this.slots.set(widgetId, slot);
    this.evictOldest();
    // A failed read (an unknown widget: 404) is not kept — ids are the visitor's to choose, memory is not.
    entry.then(
      (ready) => {
        if (this.slots.get(widgetId) === slot) slot.ready = ready;
      },
      () => {
        if (this.slots.get(widgetId) === slot) this.slots.delete(widgetId);
      },
    );
    return entry;
  }

  /** A change was committed here: drop what it touched on this node now, and on the others through the bus. */
  async changed(change: ConfigChange): Promise<void> {
    this.drop(change);
    try {
      await this.bus.publish(CONFIG_CHANNEL, encode(change));
    } catch (error) {
      this.log.warn({ err: error, ...change }, 'could not tell the other nodes a widget config changed; they read it again within 30 s');
    }
  }

  /** Bus notices may have been lost (Redis reconnected): read every config again. */
  clear(): void {
    this.slots.clear();
  }

  private drop(change: ConfigChange): void {
    if ('widgetId' in change) {
      this.slots.delete(change.widgetId);
      return;
    }
    this.dropWhere((entry) => entry.blueprintId === change.blueprintId);
  }

  /** Drops the entries `touched` selects and every read still under way, which may have read the old row. */
  private dropWhere(touched: (entry: PublicConfigEntry) => boolean): void {
    for (const [widgetId, slot] of this.slots) if (slot.ready === undefined || touched(slot.ready)) this.slots.delete(widgetId);
  }

  private evictOldest(): void {
    for (const widgetId of this.slots.keys()) {
      if (this.slots.size <= this.maxEntries) return;
      this.slots.delete(widgetId);
    }
  }

  private listen(): void {
    this.listening ??= Promise.all([
      this.bus.subscribe(CONFIG_CHANNEL, (payload) => this.receive(payload)),
      // Bot edits are announced for the bot cache already; a config is made from its bot too.
      this.bus.subscribe(BOTS_CHANNEL, (botId) => this.dropWhere((entry) => entry.botId === botId)),
    ]).then(
      () => {
        this.subscribed = true;
      },
      (error: unknown) => {
        this.listening = undefined;
        this.log.warn(
          { err: error },
          'could not listen for widget config changes of other nodes; public configs are read on every request',
        );
      },
    );
  }

  private receive(payload: string): void {
    const change = decode(payload);
    if (change === undefined) this.log.warn({ payload }, 'ignored a malformed widget config notice');
    else this.drop(change);
  }
}

function encode(change: ConfigChange): string {
  return 'widgetId' in change ? `widget:${change.widgetId}` : `blueprint:${change.blueprintId}`;
}

function decode(payload: string): ConfigChange | undefined {
  const colon = payload.indexOf(':');
  const kind = payload.slice(0, colon);
  const id = payload.slice(colon + 1);
  if (colon < 0 || id === '') return undefined;
  if (kind === 'widget') return { widgetId: id };
  if (kind === 'blueprint') return { blueprintId: id };
  return undefined;
}
