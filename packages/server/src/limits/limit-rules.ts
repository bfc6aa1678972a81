/** A volume limit: at most `limit` per fixed window of `windowMs`; null when the operator turned it off. */
export interface Rate {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Every volume limit on a public path, by what is counted and per what. Each is set by
 * PARLEY_LIMIT_<NAME> (`sessionsPerAddress` → PARLEY_LIMIT_SESSIONS_PER_ADDRESS) as `<count>/<window>`
 * (`40/1m`), or `off`. The defaults let an office of dozens of people behind one address chat freely:
 * a person types a message every few seconds at most, and opens one session per visit.
 */
export const DEFAULT_LIMITS = {
  /** New sessions (POST /v1/widgets/{id}/sessions) from one address. */
  sessionsPerAddress: { limit: 40, windowMs: 60_000 },
  sessionsPerWidget: { limit: 1200, windowMs: 60_000 },
  /** Visitor messages, over REST and every realtime transport alike. */
  messagesPerSession: { limit: 30, windowMs: 60_000 },
  messagesPerAddress: { limit: 300, windowMs: 60_000 },
  messagesPerWidget: { limit: 6000, windowMs: 60_000 },
  uploadsPerSession: { limit: 10, windowMs: 60_000 },
  uploadsPerAddress: { limit: 60, windowMs: 60_000 },
  uploadsPerWidget: { limit: 600, windowMs: 60_000 },
  /** Visitor messages that start a bot turn (the widget has a bot): what an LLM bill grows with. */
  botTurnsPerSession: { limit: 20, windowMs: 60_000 },
  botTurnsPerAddress: { limit: 200, windowMs: 60_000 },
  botTurnsPerWidget: { limit: 3000, windowMs: 60_000 },
  /** Requests to the n8n chat endpoint (POST /v1/widgets/{id}/n8n) from one address: 2 a second, 10 at once. */
  n8nPerAddress: { limit: 10, windowMs: 5_000 },
  /** Report beacons (POST /v1/widgets/{id}/events: widget loaded, opened) from one address: a page view sends one or two. */
  beaconsPerAddress: { limit: 120, windowMs: 60_000 },
} as const satisfies Record<string, Rate>;

export type LimitName = keyof typeof DEFAULT_LIMITS;
export type VolumeLimits = { readonly [name in LimitName]: Rate | null };

/** Every limit's name, in DEFAULT_LIMITS's order. */
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as readonly LimitName[];

/** `sessionsPerAddress` → `PARLEY_LIMIT_SESSIONS_PER_ADDRESS`. */
export function limitEnvName(name: LimitName): string {
  return `PARLEY_LIMIT_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_WINDOW_MS = 86_400_000;

/** `30/1m`, `5/10s`, `1000/1h`, `off` → a Rate (null for off), or what is wrong with the text. */
export function parseRate(text: string): Rate | null | { readonly error: string } {
  if (text.toLowerCase() === 'off') return null;
  const match = /^(\d{1,9})\s*\/\s*(\d{1,5})?\s*([smhd])$/.exec(text);
  const expected = 'expected <count>/<window> such as 30/1m, 5/10s, 1000/1h (s, m, h or d, at most 1d), or off';
  if (match === null) return { error: expected };
  const limit = Number(match[1]);
  const windowMs = Number(match[2] ?? '1') * (UNIT_MS[match[3] ?? ''] ?? 0);
  if (limit < 1) return { error: `${expected}; the count must be at least 1 (use off to turn the limit off)` };
  if (windowMs < 1000 || windowMs > MAX_WINDOW_MS) return { error: expected };
  return { limit, windowMs };
}
