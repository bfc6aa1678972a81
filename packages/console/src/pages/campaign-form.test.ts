import * as v from 'valibot';
import { campaignCreateSchema } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { campaignBody, campaignValues, EMPTY_CAMPAIGN, parseConditions, parseRules } from './campaign-form.js';

describe('the campaign form', () => {
  it('reads one URL rule or attribute condition a line', () => {
    expect(parseRules('prefix /pricing\n\n  regex ^https://x\\.example/(a|b)$ \n/exact/page')).toEqual([
      { match: 'prefix', value: '/pricing' },
      { match: 'regex', value: '^https://x\\.example/(a|b)$' },
      { match: 'exact', value: '/exact/page' },
    ]);
    expect(parseConditions('plan equals pro plus\nteam exists')).toEqual([
      { key: 'plan', op: 'equals', value: 'pro plus' },
      { key: 'team', op: 'exists' },
    ]);
  });

  it('makes a body the API schema accepts, and reads a campaign back into the same fields', () => {
    const values = {
      ...EMPTY_CAMPAIGN,
      name: 'Pricing',
      text: 'Hello **there**',
      quickReplies: 'Yes\nNo',
      trigger: 'scroll_depth' as const,
      amount: '60',
      include: 'prefix /pricing',
      exclude: 'wildcard *draft*',
      languages: 'fr, de',
      attributes: 'plan equals pro',
      cap: 'every_days' as const,
      days: '3',
      startsAt: '2027-01-01T09:00',
    };
    const body = campaignBody(values);
    const parsed = v.safeParse(campaignCreateSchema, body);
    expect(parsed.success, JSON.stringify(parsed.issues?.[0]?.message)).toBe(true);
    const campaign = { ...body, id: 'cmp_x', object: 'campaign' as const, widgetId: 'wgt_x', createdAt: '', updatedAt: '' };
    expect(campaignValues(campaign)).toEqual(values);
  });
});
