import { addressKey } from './address-key.js';
import type { Counter, Limiter } from './limiter.js';
import type { Rate, VolumeLimits } from './limit-rules.js';

/** Who a public request comes from: the client address (forwarded headers only from trusted proxies), the widget, the session. */
export interface Requester {
  readonly address: string;
  readonly widgetId: string;
  /** The conversation the session token reaches; absent before a session exists. */
  readonly sessionId?: string;
}

type Scope = 'Address' | 'Widget' | 'Session';
const KEY_OF: Readonly<Record<Scope, (who: Requester) => string | undefined>> = {
  // IPv4 as is, IPv6 by /64: the same rule as every other per-address limit.
  Address: (who) => addressKey(who.address),
  Widget: (who) => who.widgetId,
  Session: (who) => who.sessionId,
};

/**
 * The volume limits of every public path, each counted per session, per widget and per address at
 * once (all or nothing: see Limiter.take). Each method answers the seconds to wait, 0 to go ahead.
 */
export class VisitorLimits {
  constructor(
    private readonly limiter: Limiter,
    private readonly rates: VolumeLimits,
  ) {}

  /** A new session (POST /v1/widgets/{id}/sessions). */
  session(who: Requester): Promise<number> {
    return this.limiter.take(this.counters(who, 'sessions', ['Address', 'Widget']));
  }

  /** A new session that was counted but not opened: asked for a solved challenge first (428), its retry counts instead. */
  sessionNotOpened(who: Requester): Promise<void> {
    return this.limiter.refund(this.counters(who, 'sessions', ['Address', 'Widget']));
  }

  /** A visitor message over REST or any realtime transport; one that starts a bot turn counts as one too. */
  message(who: Requester, startsBotTurn: boolean): Promise<number> {
    const counters = this.counters(who, 'messages', ['Session', 'Address', 'Widget']);
    if (startsBotTurn) counters.push(...this.counters(who, 'botTurns', ['Session', 'Address', 'Widget']));
    return this.limiter.take(counters);
  }

  /** An upload (POST /v1/conversations/{id}/files); it starts a bot turn like a message. */
  upload(who: Requester, startsBotTurn: boolean): Promise<number> {
    const counters = this.counters(who, 'uploads', ['Session', 'Address', 'Widget']);
    if (startsBotTurn) counters.push(...this.counters(who, 'botTurns', ['Session', 'Address', 'Widget']));
    return this.limiter.take(counters);
  }

  /** A request to the n8n chat endpoint: its sessionId is the caller's to make up, so only the address counts. */
  n8n(address: string): Promise<number> {
    return this.limiter.take(this.counters({ address, widgetId: '' }, 'n8n', ['Address']));
  }

  /** A report beacon (POST /v1/widgets/{id}/events): per address only. */
  beacon(address: string, widgetId: string): Promise<number> {
    return this.limiter.take(this.counters({ address, widgetId }, 'beacons', ['Address']));
  }

  private counters(
    who: Requester,
    what: 'sessions' | 'messages' | 'uploads' | 'botTurns' | 'n8n' | 'beacons',
    scopes: readonly Scope[],
  ): Counter[] {
    const counters: Counter[] = [];
    for (const scope of scopes) {
      // Not every pair exists (n8n is per address only): a missing one is simply not counted.
      const rates: Readonly<Partial<Record<string, Rate | null>>> = this.rates;
      const rate = rates[`${what}Per${scope}`];
      const value = KEY_OF[scope](who);
      if (rate === null || rate === undefined || value === undefined) continue;
      counters.push({ key: `${what}:${scope.toLowerCase()}:${value}`, ...rate });
    }
    return counters;
  }
}
