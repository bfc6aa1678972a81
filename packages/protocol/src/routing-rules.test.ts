import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { routingPatternProblem, routingRulesSchema } from './routing-rules.js';

describe('routing rule patterns', () => {
  it('accepts everyday patterns: words, alternatives, optional parts, non-capturing groups, classes', () => {
    for (const pattern of [
      'refund|money back',
      '^order #?\\d{4,8}$',
      '(?:re)?fund',
      'invoice(s)?',
      '[a-z]+@[a-z]+\\.com',
      '\\bvip\\b',
      '(?<year>\\d{4})',
    ])
      expect(routingPatternProblem(pattern), pattern).toBeNull();
  });

  it('refuses patterns that can backtrack for ever, and says why', () => {
    expect(routingPatternProblem('(a+)+$')).toMatch(/must not repeat a group that holds a repetition/);
    expect(routingPatternProblem('(x\\d*){2,}')).toMatch(/must not repeat a group that holds a repetition/);
    expect(routingPatternProblem('((ab)*c)*')).toMatch(/must not repeat a group/);
    expect(routingPatternProblem('(a|ab)*c')).toMatch(/must not repeat a group of alternatives/);
    expect(routingPatternProblem('(a)\\1')).toMatch(/backreferences/);
    // Adjacent repetitions backtrack polynomially: on 500 characters three took 87 s in V8, so two is the cap.
    expect(routingPatternProblem('.*a.*b.*c')).toMatch(/at most 2 unbounded repetitions/);
    expect(routingPatternProblem('[a-z]{1,500}[a-z]+[a-z]+!')).toMatch(/at most 2 unbounded repetitions/);
    expect(routingPatternProblem('.*refund.*')).toBeNull();
    expect(routingPatternProblem('x'.repeat(201))).toMatch(/at most 200 characters/);
  });

  it('refuses a pattern that does not compile, quoting the engine', () => {
    expect(routingPatternProblem('(refund')).toMatch(/^must be a valid regular expression \(.*Unterminated group/);
  });

  it('validates a rule list: names, known condition keys, priorities, at most 50 rules', () => {
    const ok = v.safeParse(routingRulesSchema, [
      {
        name: 'refunds',
        conditions: { textContains: ['refund'], businessHours: 'within' },
        action: { teamId: 'team_1', priority: 'high' },
      },
      { name: 'everyone else', conditions: {}, action: { handTo: 'bot' } },
    ]);
    expect(ok.success).toBe(true);
    const bad = v.safeParse(routingRulesSchema, [{ name: 'x', conditions: { textMatches: '(a+)+' }, action: {} }]);
    expect(bad.success).toBe(false);
    expect(bad.issues?.[0].path?.map((item) => item.key)).toEqual([0, 'conditions', 'textMatches']);
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `r${i}`, conditions: {}, action: {} }));
    expect(v.safeParse(routingRulesSchema, many).success).toBe(false);
    expect(v.safeParse(routingRulesSchema, [{ name: 'p', conditions: {}, action: { priority: 'asap' } }]).success).toBe(false);
  });
});
