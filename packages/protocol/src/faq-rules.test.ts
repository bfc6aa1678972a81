import { describe, expect, it } from 'vitest';
import { answeringRule, containsPhrase } from './faq-rules.js';

describe('built-in bot matching (faq-rules)', () => {
  const rules = [{ patterns: ['hours', 'open'] }, { patterns: ['open source'] }, { patterns: ['résumé', '価格'] }];

  it('answers with the first rule whose keyword the message holds, ignoring case and accents', () => {
    expect(answeringRule('What are your HOURS?', rules)).toBe(0);
    expect(answeringRule('Where do I send my resume', rules)).toBe(2);
    expect(answeringRule('価格はいくらですか', rules)).toBe(2);
    expect(answeringRule('Nothing here', rules)).toBe(-1);
    expect(answeringRule('anything', undefined)).toBe(-1);
  });

  it('does not count a match inside a longer match of another rule', () => {
    expect(answeringRule('Is it open source?', rules)).toBe(1);
    expect(answeringRule('Are you open today?', rules)).toBe(0);
  });

  it('matches whole words in spaced scripts', () => {
    expect(containsPhrase('my agenda', 'agent')).toBe(false);
    expect(containsPhrase('an Agent please', 'agent')).toBe(true);
  });
});
