import { BUILTIN_LANGUAGES } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { NOTICE_LANGUAGES, noticeText } from './visitor-notices.js';

describe('visitor notices', () => {
  it("are translated into every one of the widget's built-in languages", () => {
    expect([...NOTICE_LANGUAGES].sort()).toEqual([...BUILTIN_LANGUAGES].sort());
  });

  it('answer in the primary language of a regional tag, in English for an unknown one, with the name filled in', () => {
    expect(noticeText('handoff_waiting', 'ar-EG')).toBe('في انتظار انضمام أحد الموظفين.');
    expect(noticeText('handoff_waiting', 'sw')).toBe('Waiting for a human to join.');
    expect(noticeText('agent_joined', 'fr', 'Ann')).toBe('Ann a rejoint la conversation.');
  });
});
