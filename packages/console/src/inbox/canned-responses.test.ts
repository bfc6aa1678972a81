import type { CannedResponse } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { matchCanned } from './canned-responses.js';
import { formatSize } from './file-upload.js';

const response = (shortcut: string): CannedResponse => ({
  id: `cr_${shortcut}`,
  object: 'canned_response',
  shortcut,
  text: `text of ${shortcut}`,
  createdBy: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('composer helpers', () => {
  const team = [response('refund'), response('refund-eu'), response('hello')];

  it('offers the team’s responses whose shortcut starts with what follows a leading slash, whatever its case', () => {
    expect(matchCanned('/ref', team).map((c) => c.shortcut)).toEqual(['refund', 'refund-eu']);
    expect(matchCanned('/REF', team).map((c) => c.shortcut)).toEqual(['refund', 'refund-eu']);
    expect(matchCanned('/', team)).toHaveLength(3);
  });

  it('offers nothing once the draft is more than a shortcut', () => {
    expect(matchCanned('ref', team)).toEqual([]);
    expect(matchCanned('/refund please', team)).toEqual([]);
    expect(matchCanned('see /refund', team)).toEqual([]);
  });

  it('writes file sizes as people read them', () => {
    expect(formatSize(11)).toBe('11 B');
    expect(formatSize(2048)).toBe('2 KB');
    expect(formatSize(3.4 * 1024 * 1024)).toBe('3.4 MB');
  });
});
