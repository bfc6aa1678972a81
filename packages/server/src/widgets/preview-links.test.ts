import { describe, expect, it } from 'vitest';
import { PreviewLinks } from './preview-links.js';

const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

function parts(url: string): { id: string; e: string; s: string } {
  const parsed = new URL(url);
  return {
    id: decodeURIComponent(parsed.pathname.split('/')[2] ?? ''),
    e: parsed.searchParams.get('e') ?? '',
    s: parsed.searchParams.get('s') ?? '',
  };
}

describe('PreviewLinks', () => {
  it('verifies its own links until they expire (fake clock)', () => {
    let now = Date.parse('2026-12-07T08:00:00Z');
    const links = new PreviewLinks(SECRET, 'https://chat.example.com', () => now);
    const { url, expiresAt } = links.create('wgt_1', 3600);
    expect(url).toMatch(/^https:\/\/chat\.example\.com\/preview\/wgt_1\?e=\d+&s=[\w-]+$/);
    expect(expiresAt).toBe('2026-12-07T09:00:00.000Z');
    const { id, e, s } = parts(url);
    expect(links.check(id, e, s)).toBe('ok');
    now += 3600 * 1000;
    expect(links.check(id, e, s)).toBe('ok');
    now += 1000;
    expect(links.check(id, e, s)).toBe('expired');
  });

  it('refuses a changed widget id, expiry or signature, another secret, and missing parts', () => {
    const links = new PreviewLinks(SECRET, 'http://localhost:3000');
    const { id, e, s } = parts(links.create('wgt_1', 60).url);
    expect(links.check('wgt_2', e, s)).toBe('invalid');
    expect(links.check(id, String(Number(e) + 86_400), s)).toBe('invalid');
    expect(links.check(id, e, `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`)).toBe('invalid');
    expect(new PreviewLinks(`${SECRET}-other`, 'http://localhost:3000').check(id, e, s)).toBe('invalid');
    expect(links.check(id, undefined, s)).toBe('invalid');
    expect(links.check(id, e, undefined)).toBe('invalid');
    expect(links.check(id, '12abc', s)).toBe('invalid');
  });
});
