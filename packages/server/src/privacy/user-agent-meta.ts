import { summarizeUserAgent } from '../contacts/user-agent.js';

/** Conversation meta keys that may carry a raw User-Agent (the widget sends `browser`; a server may send `userAgent`). */
const USER_AGENT_KEYS = ['browser', 'userAgent'] as const;

/**
 * A User-Agent reduced to what agents need: browser family, OS family and device class
 * (`Chrome · macOS · desktop`, `-` for what it does not say). No versions, nothing that fingerprints.
 * contacts/user-agent.ts reads this form back.
 */
export function reduceUserAgent(userAgent: string): string | undefined {
  const summary = summarizeUserAgent(userAgent);
  if (summary === null || (summary.browser === null && summary.os === null && summary.device === null)) return undefined;
  return `${summary.browser ?? '-'} · ${summary.os ?? '-'} · ${summary.device ?? '-'}`;
}

/** The conversation meta as stored: a raw User-Agent under `browser`/`userAgent` is reduced (or dropped when it says nothing). */
export function minimiseMeta<T extends Record<string, unknown>>(meta: T): T {
  const out: Record<string, unknown> = { ...meta };
  for (const key of USER_AGENT_KEYS) {
    const value = out[key];
    if (typeof value !== 'string') continue;
    const reduced = reduceUserAgent(value);
    if (reduced === undefined) delete out[key];
    else out[key] = reduced;
  }
  return out as T;
}
