import type { CannedResponse } from '@parley/protocol';
import { ParleyApiError } from '@parley/client';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';

/**
 * Canned responses: `/shortcut` in the composer expands to a text the whole team shares
 * (`/v1/canned-responses`). One copy per tab, loaded when a composer or the editor mounts and
 * replaced after every change, so the composer offers what the editor just saved.
 */
let cache: readonly CannedResponse[] = [];
const listeners = new Set<(list: readonly CannedResponse[]) => void>();

/** Where the console kept them per browser before the server had them; read once, sent, then forgotten. */
const LEGACY_KEY = 'parley.console.canned';
const SHORTCUT = /^[a-z0-9_-]{1,32}$/;

export async function refreshCanned(): Promise<readonly CannedResponse[]> {
  // An old list that cannot be sent now (network) is kept and tried again next time; the team's list still loads.
  await migrateLegacy().catch(() => undefined);
  const { items } = await api.get<{ items: CannedResponse[] }>('/v1/canned-responses');
  cache = items;
  listeners.forEach((listener) => listener(items));
  return items;
}

/** The team's responses, kept current; `error` says why they could not be loaded. */
export function useCanned(): { list: readonly CannedResponse[]; error: string | null } {
  const [list, setList] = useState(cache);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listeners.add(setList);
    refreshCanned().then(
      () => setError(null),
      (caught: unknown) => setError(errorText(caught)),
    );
    return () => void listeners.delete(setList);
  }, []);
  return { list, error };
}

/** The canned responses matching `/wor` at the start of the draft; empty when the draft is not a shortcut. */
export function matchCanned(draft: string, list: readonly CannedResponse[]): readonly CannedResponse[] {
  const found = /^\/([\w-]*)$/.exec(draft);
  if (found === null) return [];
  const prefix = (found[1] ?? '').toLowerCase();
  return list.filter((c) => c.shortcut.startsWith(prefix));
}

let migrating: Promise<void> | null = null;

/**
 * Sends this browser's old responses to the server once. A shortcut the team already has keeps the
 * team's text (the old list held the same defaults the server starts with); one that no longer fits
 * the shortcut rule is lower-cased or dropped. The stored list is removed only once every entry landed.
 */
function migrateLegacy(): Promise<void> {
  migrating ??= (async () => {
    let stored: unknown;
    try {
      stored = JSON.parse(localStorage.getItem(LEGACY_KEY) ?? 'null');
    } catch {
      stored = null;
    }
    if (!Array.isArray(stored)) {
      localStorage.removeItem(LEGACY_KEY);
      return;
    }
    for (const entry of stored as unknown[]) {
      if (typeof entry !== 'object' || entry === null || !('shortcut' in entry) || !('text' in entry)) continue;
      const shortcut = String(entry.shortcut).toLowerCase();
      const text = String(entry.text).trim();
      if (!SHORTCUT.test(shortcut) || text === '') continue;
      try {
        await api.post('/v1/canned-responses', { shortcut, text });
      } catch (caught) {
        if (!(caught instanceof ParleyApiError && caught.status === 409)) throw caught;
      }
    }
    localStorage.removeItem(LEGACY_KEY);
  })().finally(() => (migrating = null));
  return migrating;
}
