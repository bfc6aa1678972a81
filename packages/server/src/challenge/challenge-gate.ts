import { DEFAULT_CHALLENGE_SETTINGS, type Challenge, type ChallengeSettings, type ChallengeSolution } from '@parley/protocol';
import { Counter } from 'prom-client';
import { addressKey, isLoopback } from './address-key.js';
import type { AltchaSigner, Refusal } from './altcha.js';
import { ChallengeRequired } from './challenge-required.js';
import type { ChallengeStore } from './challenge-store.js';

/** Sessions are counted per address over fixed ten-minute windows. */
export const COUNT_WINDOW_MS = 10 * 60_000;
/** A config load vouches for sessions from its address for an hour (a visitor may read the page that long before chatting). */
export const PAGE_LOAD_TTL_MS = 60 * 60_000;
/** A node records the same page load again only after this, so a busy page costs the store one write per address per 5 minutes. */
const PAGE_LOAD_REFRESH_MS = 5 * 60_000;
/** Long enough to solve the hardest level on a slow phone; short enough that stockpiled solutions go stale. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/**
 * Level 1 is `BASE_MAXNUMBER` numbers: ~5,000 SHA-256 digests on average, about 0.1–0.2 s for crypto.subtle in
 * Chromium on a busy 2-core machine (measured: 25,000–50,000 digests/s). Each level above multiplies it by 4,
 * up to level 4 (640,000: seconds for a browser, still milliseconds per session for a native script — proof of
 * work slows a burst, it cannot stop one; the limiter's 429s do).
 */
export const BASE_MAXNUMBER = 10_000;
export const MAX_LEVEL = 4;
/** Page loads a node remembers having recorded (the refresh check); past it the oldest recorded are forgotten first. */
export const RECENT_LOADS_MAX = 50_000;

export type ChallengeOutcome = 'issued' | 'solved' | 'replayed' | 'other-widget' | Refusal;

export interface AdmitInput {
  readonly widgetId: string;
  readonly settings: ChallengeSettings;
  /** The client's address as Fastify resolves it (trusted proxies only). */
  readonly address: string;
  readonly solution: ChallengeSolution | undefined;
}

interface GateLog {
  warn(details: object, message: string): void;
}

export interface GateOptions {
  readonly signer: AltchaSigner;
  readonly store: ChallengeStore;
  readonly log: GateLog;
  readonly now?: () => number;
  /** Level 1's maxnumber (default BASE_MAXNUMBER); tests that solve in plain JS lower it. */
  readonly baseMaxnumber?: number;
  /** How many recorded page loads the node keeps for its refresh check (default RECENT_LOADS_MAX). */
  readonly recentLoadsMax?: number;
}

/**
 * Decides whether a new session needs a solved proof-of-work challenge, and checks the solution. Two
 * signals, each with its per-widget threshold: new sessions from an address in ten minutes, and those of
 * them from an address that loaded none of the widget's config in the last hour. Below both nobody pays.
 *
 * Store failures (Redis away) let the session through: a chat that opens matters more than a slower burst.
 * A loopback peer is never asked: it is a reverse proxy on the same machine that PARLEY_TRUST_PROXY does not
 * name (every visitor would share its address and pay for the others) or a local script or test.
 */
export class ChallengeGate {
  /** `parley_challenges_total{outcome}`; app.ts registers it with the metrics plugin's registry. */
  readonly outcomes: Counter<'outcome'>;
  private readonly recentLoads = new Map<string, number>();
  private storeDown = false;

  private readonly signer: AltchaSigner;
  private readonly store: ChallengeStore;
  private readonly log: GateLog;
  private readonly now: () => number;
  private readonly baseMaxnumber: number;
  private readonly recentLoadsMax: number;

  constructor(options: GateOptions) {
    ({ signer: this.signer, store: this.store, log: this.log } = options);
    this.now = options.now ?? Date.now;
    this.baseMaxnumber = options.baseMaxnumber ?? BASE_MAXNUMBER;
    this.recentLoadsMax = options.recentLoadsMax ?? RECENT_LOADS_MAX;
    this.outcomes = new Counter({
      name: 'parley_challenges_total',
      help: 'Proof-of-work challenges for new sessions: issued, solved, or why a solution was refused.',
      labelNames: ['outcome'] as const,
      registers: [],
    });
  }

  /** The widget's config was loaded from `address`: sessions from there are not "without a page load" for an hour. */
  sawPageLoad(widgetId: string, address: string): void {
    // This runs on every public config answer, the hottest path there is: the recent-loads check is keyed by the
    // address as it came, so a repeat costs one map lookup and the address is parsed only when it is remembered.
    const seen = `${widgetId} ${address}`;
    const now = this.now();
    if (now - (this.recentLoads.get(seen) ?? -Infinity) < PAGE_LOAD_REFRESH_MS) return;
    // Bounded without forgetting everything at once (which would make every busy page write again in the same
    // instant): a re-recorded load moves to the end, and when full the one recorded longest ago goes. A forgotten
    // entry costs one early store write, nothing more.
    this.recentLoads.delete(seen);
    if (this.recentLoads.size >= this.recentLoadsMax) this.recentLoads.delete(this.recentLoads.keys().next().value ?? seen);
    this.recentLoads.set(seen, now);
    this.store.remember(loadKey(widgetId, address), PAGE_LOAD_TTL_MS).then(
      () => this.up(),
      (error: unknown) => this.down(error),
    );
  }

  /** Counts a new session and resolves when it may go ahead; throws ChallengeRequired when it must solve one first. */
  async admit({ widgetId, settings, address, solution }: AdmitInput): Promise<void> {
    const options = withDefaults(settings);
    if (!options.enabled || isLoopback(address)) return;
    let signals: Signal[];
    try {
      signals = await this.count(widgetId, address, options, 1);
    } catch (error) {
      return this.down(error);
    }
    const level = Math.max(...signals.map((signal) => signal.level));
    if (level === 0) return;
    const refusal = solution === undefined ? undefined : await this.check(widgetId, solution);
    if (refusal === null) return;
    // Not admitted: it does not count as a session, so the retry with a solution is counted once.
    await Promise.all(signals.map((signal) => this.store.add(signal.key, -1, COUNT_WINDOW_MS))).catch((error: unknown) => this.down(error));
    const why = refusal === undefined ? '' : `The solution sent was refused (${refusal}). `;
    throw new ChallengeRequired(
      `${why}${describe(signals)} Solve error.challenge and send the request again with it as "challenge".`,
      this.issueAt(widgetId, level),
    );
  }

  /** `GET /v1/widgets/:id/challenge`: a challenge at the address's current level (at least 1), counting nothing. */
  async issue(widgetId: string, settings: ChallengeSettings, address: string): Promise<Challenge> {
    const options = withDefaults(settings);
    const signals = await this.count(widgetId, address, options, 0).catch((error: unknown) => {
      this.down(error);
      return [];
    });
    return this.issueAt(widgetId, Math.max(1, ...signals.map((signal) => signal.level)));
  }

  private issueAt(widgetId: string, level: number): Challenge {
    this.outcomes.inc({ outcome: 'issued' });
    const maxnumber = maxnumberFor(level, this.baseMaxnumber);
    return this.signer.create({ maxnumber, ttlMs: CHALLENGE_TTL_MS, params: { wid: widgetId, level: String(level) } });
  }

  /** null when the solution is good (and now spent), else why not. */
  private async check(widgetId: string, solution: ChallengeSolution): Promise<ChallengeOutcome | null> {
    const verdict = this.signer.verify(solution);
    const outcome: ChallengeOutcome = !verdict.ok
      ? verdict.reason
      : verdict.params.get('wid') !== widgetId
        ? 'other-widget'
        : (await this.store.spend(`spent:${solution.challenge}`, verdict.expiresAtMs - this.now()).catch((error: unknown) => {
              // Cannot tell a replay from a first use: let it through, as every store failure does.
              this.down(error);
              return true;
            }))
          ? 'solved'
          : 'replayed';
    this.outcomes.inc({ outcome });
    return outcome === 'solved' ? null : outcome;
  }

  private async count(widgetId: string, address: string, options: Thresholds, delta: number): Promise<Signal[]> {
    const where = addressKey(address);
    const all = `sessions:${widgetId}:${where}`;
    const seen = await this.store.remembers(loadKey(widgetId, address));
    const counted = [this.signal(all, options.threshold, await this.store.add(all, delta, COUNT_WINDOW_MS), false)];
    if (!seen) {
      const headless = `headless:${widgetId}:${where}`;
      counted.push(this.signal(headless, options.withoutPageLoad, await this.store.add(headless, delta, COUNT_WINDOW_MS), true));
    }
    this.up();
    return counted;
  }

  private signal(key: string, threshold: number, count: number, headless: boolean): Signal {
    return { key, threshold, count, headless, level: levelFor(count, threshold) };
  }

  private up(): void {
    this.storeDown = false;
  }

  /** Logged once per outage, not once per session. */
  private down(error: unknown): void {
    if (!this.storeDown) this.log.warn({ err: error }, 'challenge store unavailable: new sessions are let through without a challenge');
    this.storeDown = true;
  }
}

type Thresholds = { readonly [K in keyof ChallengeSettings]-?: NonNullable<ChallengeSettings[K]> };

/** A stored `challenge` setting may leave any field out: the default fills it. */
function withDefaults(settings: ChallengeSettings): Thresholds {
  return {
    enabled: settings.enabled ?? DEFAULT_CHALLENGE_SETTINGS.enabled,
    threshold: settings.threshold ?? DEFAULT_CHALLENGE_SETTINGS.threshold,
    withoutPageLoad: settings.withoutPageLoad ?? DEFAULT_CHALLENGE_SETTINGS.withoutPageLoad,
  };
}

interface Signal {
  readonly key: string;
  readonly threshold: number;
  readonly count: number;
  readonly headless: boolean;
  readonly level: number;
}

/** 0 at or below the threshold; then 1, and one more each time the count doubles, up to MAX_LEVEL. */
export function levelFor(count: number, threshold: number): number {
  if (count <= threshold) return 0;
  return Math.min(MAX_LEVEL, 1 + Math.floor(Math.log2(count / Math.max(threshold, 1))));
}

export function maxnumberFor(level: number, base = BASE_MAXNUMBER): number {
  return base * 4 ** (Math.min(Math.max(level, 1), MAX_LEVEL) - 1);
}

function loadKey(widgetId: string, address: string): string {
  return `loaded:${widgetId}:${addressKey(address)}`;
}

function describe(signals: readonly Signal[]): string {
  const over = signals.filter((signal) => signal.level > 0);
  return over
    .map((signal) =>
      signal.headless
        ? `${signal.count} new sessions in ten minutes came from this address without loading the widget first (threshold ${signal.threshold}).`
        : `${signal.count} new sessions in ten minutes came from this address (threshold ${signal.threshold}).`,
    )
    .join(' ');
}
