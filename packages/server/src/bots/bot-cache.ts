import type { Bus, BusLog } from '../bus/bus.js';
import type { StoredBot } from './bot-service.js';

/** Where a node says "this bot changed" to the others; the payload is the bot id. */
export const BOTS_CHANNEL = 'parley:bots';

/** A change missed on the bus (Redis away) is picked up after this long at the latest. */
const TTL_MS = 30_000;

interface Entry {
  readonly bot: Promise<StoredBot | undefined>;
  readonly expires: number;
}

/**
 * Bots as bot turns read them. A turn runs after every visitor message of a bot's conversations,
 * and bots change only when an admin edits one, so the row is read once and kept: an edit on any
 * node drops it everywhere through the bus, and the TTL bounds how long a node that missed that
 * event (Redis away; `clear` runs when it is back) keeps the old config.
 */
export class BotCache {
  private readonly entries = new Map<string, Entry>();
  private listening: Promise<unknown> | undefined;

  constructor(
    private readonly read: (id: string) => Promise<StoredBot | undefined>,
    private readonly bus: Bus,
    private readonly log: BusLog,
    private readonly ttlMs = TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  load(id: string): Promise<StoredBot | undefined> {
    // Other nodes' edits are listened for from the first load on (the bus closes the subscription at shutdown).
    this.listening ??= this.bus
      .subscribe(BOTS_CHANNEL, (edited) => this.entries.delete(edited))
      .catch((error: unknown) => {
        this.listening = undefined;
        this.log.warn({ err: error }, 'could not listen for bot edits of other nodes; cached bots expire after 30 s');
      });
    const cached = this.entries.get(id);
    if (cached !== undefined && cached.expires > this.now()) return cached.bot;
    const bot = this.read(id);
    this.entries.set(id, { bot, expires: this.now() + this.ttlMs });
    // A failed read is not kept: the next turn reads again.
    bot.catch(() => this.entries.get(id)?.bot === bot && this.entries.delete(id));
    return bot;
  }

  /** The bot was edited or deleted here: drop it on this node now and on the others through the bus. */
  async changed(id: string): Promise<void> {
    this.entries.delete(id);
    try {
      await this.bus.publish(BOTS_CHANNEL, id);
    } catch (error) {
      this.log.warn({ err: error, botId: id }, 'could not tell the other nodes a bot changed; they read it again within 30 s');
    }
  }

  /** Bus events may have been lost (Redis reconnected): read every bot again. */
  clear(): void {
    this.entries.clear();
  }
}
