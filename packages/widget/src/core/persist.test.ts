import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PersistStore } from './persist.js';

/** localStorage as a map every PersistStore of a test shares: two stores on one key are two tabs. */
let storage: Map<string, string>;
beforeEach(() => {
  storage = new Map();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => void storage.set(key, value),
    removeItem: (key: string) => void storage.delete(key),
  });
});
afterEach(() => vi.unstubAllGlobals());

const KEY = 'parley:v1:wgt_test';

describe('PersistStore and the consent gate (privacy.consent)', () => {
  it('writes nothing while the asked consent version is not the one stored, and everything once it is', () => {
    const persist = new PersistStore(KEY);
    persist.ask = '2';
    persist.update(() => ({ open: true, draft: 'hello' }));
    expect(storage.size).toBe(0);
    // The page still has what the visitor did (the view keeps it; the store reads empty until Accept).
    persist.update(() => ({ consent: '2', consentId: 'cns_1' }));
    expect(JSON.parse(storage.get(KEY) ?? '{}')).toMatchObject({ consent: '2', consentId: 'cns_1' });
    persist.update(() => ({ draft: 'again' }));
    expect(JSON.parse(storage.get(KEY) ?? '{}')).toMatchObject({ consent: '2', draft: 'again' });
  });

  it('keeps what an earlier version’s acceptance stored, unused and unchanged, until the new version is accepted', () => {
    storage.set(KEY, JSON.stringify({ consent: '1', draft: 'old' }));
    const persist = new PersistStore(KEY);
    persist.ask = '2';
    persist.update(() => ({ draft: 'new' }));
    expect(JSON.parse(storage.get(KEY) ?? '{}')).toEqual({ consent: '1', draft: 'old' });
  });

  it('reads a key another tab removed (a withdrawal) as empty, so this tab writes nothing back', () => {
    const here = new PersistStore(KEY);
    const other = new PersistStore(KEY);
    here.ask = other.ask = '1';
    here.update(() => ({ consent: '1', consentId: 'cns_1', draft: 'mine' }));
    expect(other.read().consent).toBe('1');
    other.clear();
    expect(here.read().consent).toBeUndefined();
    here.update(() => ({ session: null }));
    expect(storage.has(KEY)).toBe(false);
  });

  it('without the gate writes as before, and keeps its own copy when the key goes', () => {
    const persist = new PersistStore(KEY);
    persist.update(() => ({ draft: 'hi' }));
    expect(JSON.parse(storage.get(KEY) ?? '{}')).toMatchObject({ draft: 'hi' });
    storage.delete(KEY);
    expect(persist.read().draft).toBe('hi');
  });
});
