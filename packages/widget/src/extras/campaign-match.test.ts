import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  audienceMatches,
  capAllows,
  hoursOpenAt,
  pagesMatch,
  pickCampaign,
  urlRuleMatches,
  type CampaignVisitor,
} from './campaign-match.js';
import { campaignAudienceSchema, campaignCreateSchema, unsafeRegexReason } from '@parley/protocol';

const page = (href: string) => {
  const url = new URL(href);
  return { href: url.origin + url.pathname + url.search, path: url.pathname + url.search };
};

describe('unsafeRegexReason', () => {
  it('accepts ordinary patterns', () => {
    for (const pattern of ['^https://shop\\.example/(en|fr)/cart', '/pricing/?$', '[a-z]+-\\d{2,}', '(?:ab)?c+', 'a{2,5}']) {
      expect(unsafeRegexReason(pattern), pattern).toBeNull();
    }
  });
  it('refuses nested quantifiers, repeated alternations, back-references, invalid and long patterns', () => {
    expect(unsafeRegexReason('(a+)+$')).toMatch(/repeat a group/);
    expect(unsafeRegexReason('(\\w*)*x')).toMatch(/repeat a group/);
    expect(unsafeRegexReason('(a|ab)*c')).toMatch(/repeat a group/);
    expect(unsafeRegexReason('((ab)+c)*')).toMatch(/repeat a group/);
    expect(unsafeRegexReason('(x{1,})+')).toMatch(/repeat a group/);
    expect(unsafeRegexReason('(a)\\1')).toMatch(/back-references/);
    expect(unsafeRegexReason('([a-')).toMatch(/valid JavaScript regular expression/);
    expect(unsafeRegexReason('a'.repeat(201))).toMatch(/at most 200/);
  });
  it('a refused regex is a validation issue on the rule value', () => {
    const result = v.safeParse(campaignCreateSchema, {
      name: 'x',
      message: { text: 'Hi' },
      trigger: { kind: 'page_view' },
      pages: { include: [{ match: 'regex', value: '(a+)+' }] },
    });
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.path?.map((p) => p.key).join('.')).toBe('pages.include.0.value');
  });
});

describe('URL rules', () => {
  const here = page('https://shop.example/en/pricing?plan=pro#top');
  it('exact and prefix compare the path with its query when the value starts with /, the address otherwise', () => {
    expect(urlRuleMatches({ match: 'exact', value: '/en/pricing?plan=pro' }, here)).toBe(true);
    expect(urlRuleMatches({ match: 'exact', value: '/en/pricing' }, here)).toBe(false);
    expect(urlRuleMatches({ match: 'prefix', value: '/en/' }, here)).toBe(true);
    expect(urlRuleMatches({ match: 'prefix', value: 'https://shop.example/en' }, here)).toBe(true);
    expect(urlRuleMatches({ match: 'prefix', value: 'https://other.example/' }, here)).toBe(false);
  });
  it('wildcard: * is any characters, the rest literal, the whole target must match', () => {
    expect(urlRuleMatches({ match: 'wildcard', value: '/*/pricing*' }, here)).toBe(true);
    expect(urlRuleMatches({ match: 'wildcard', value: '/*/pricing' }, here)).toBe(false);
    expect(urlRuleMatches({ match: 'wildcard', value: '/en.pricing*' }, here)).toBe(false);
  });
  it('regex runs on the whole address without the fragment', () => {
    expect(urlRuleMatches({ match: 'regex', value: '^https://shop\\.example/(en|fr)/' }, here)).toBe(true);
    expect(urlRuleMatches({ match: 'regex', value: '#top' }, here)).toBe(false);
  });
  it('pages: any include (none = every page), no exclude', () => {
    expect(pagesMatch({ include: [], exclude: [] }, here)).toBe(true);
    expect(pagesMatch({ include: [{ match: 'prefix', value: '/en/' }], exclude: [{ match: 'prefix', value: '/en/pricing' }] }, here)).toBe(
      false,
    );
    expect(pagesMatch({ include: [{ match: 'prefix', value: '/fr/' }], exclude: [] }, here)).toBe(false);
  });
});

describe('audiences', () => {
  const visitor: CampaignVisitor = { returning: false, identified: true, language: 'fr-CA', attributes: { plan: 'Pro' }, open: true };
  const audience = (input: unknown) => v.parse(campaignAudienceSchema, input);
  it('each rule narrows', () => {
    expect(audienceMatches(audience({}), visitor)).toBe(true);
    expect(audienceMatches(audience({ visitor: 'returning' }), visitor)).toBe(false);
    expect(audienceMatches(audience({ visitor: 'new' }), visitor)).toBe(true);
    expect(audienceMatches(audience({ identified: 'no' }), visitor)).toBe(false);
    expect(audienceMatches(audience({ languages: ['fr'] }), visitor)).toBe(true);
    expect(audienceMatches(audience({ languages: ['de', 'en'] }), visitor)).toBe(false);
    expect(audienceMatches(audience({ businessHours: 'closed' }), visitor)).toBe(false);
    expect(audienceMatches(audience({ attributes: [{ key: 'plan', op: 'equals', value: 'Pro' }] }), visitor)).toBe(true);
    expect(audienceMatches(audience({ attributes: [{ key: 'plan', op: 'contains', value: 'pr' }] }), visitor)).toBe(true);
    expect(audienceMatches(audience({ attributes: [{ key: 'plan', op: 'not_equals', value: 'Pro' }] }), visitor)).toBe(false);
    expect(audienceMatches(audience({ attributes: [{ key: 'team', op: 'missing' }] }), visitor)).toBe(true);
    expect(audienceMatches(audience({ attributes: [{ key: 'constructor', op: 'exists' }] }), visitor)).toBe(false);
  });
  it('business hours are read in their zone, overnight ranges included', () => {
    const hours = { timezone: 'Europe/Paris', hours: [{ days: ['mon' as const], from: '22:00', to: '02:00' }] };
    // Monday 2026-12-07 23:30 in Paris is 22:30 UTC; Tuesday 01:00 Paris is Monday 00:00 UTC.
    expect(hoursOpenAt(hours, new Date('2026-12-07T22:30:00Z'))).toBe(true);
    expect(hoursOpenAt(hours, new Date('2026-12-08T00:00:00Z'))).toBe(true);
    expect(hoursOpenAt(hours, new Date('2026-12-08T02:00:00Z'))).toBe(false);
  });
});

describe('frequency caps and priority', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('once per visitor, once per session, every N days', () => {
    expect(capAllows({ kind: 'once_per_visitor' }, { shownThisSession: false }, now)).toBe(true);
    expect(capAllows({ kind: 'once_per_visitor' }, { lastShownAt: now - 1e10, shownThisSession: false }, now)).toBe(false);
    expect(capAllows({ kind: 'once_per_session' }, { lastShownAt: now - 1000, shownThisSession: false }, now)).toBe(true);
    expect(capAllows({ kind: 'once_per_session' }, { shownThisSession: true }, now)).toBe(false);
    expect(capAllows({ kind: 'every_days', days: 2 }, { lastShownAt: now - 86_400_000, shownThisSession: false }, now)).toBe(false);
    expect(capAllows({ kind: 'every_days', days: 2 }, { lastShownAt: now - 2 * 86_400_000, shownThisSession: false }, now)).toBe(true);
  });
  it('picks the highest priority, the first of equals', () => {
    expect(
      pickCampaign([
        { id: 'a', priority: 1 },
        { id: 'b', priority: 5 },
        { id: 'c', priority: 5 },
      ])?.id,
    ).toBe('b');
    expect(pickCampaign([])).toBeUndefined();
  });
});
