import { SETTING_KEYS, type SettingKey } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { builtInDefault, settingsSections, valueLabel, type FieldKind } from './settings-fields.js';

function kindOf(key: SettingKey): FieldKind {
  const field = settingsSections()
    .flatMap((section) => section.fields)
    .find((f) => f.key === key);
  if (field === undefined) throw new Error(`${key} is not in the form`);
  return field.kind;
}

describe('widget option form derived from the protocol schemas', () => {
  it('puts every widget option in exactly one section, so a new option appears without listing it', () => {
    const keys = settingsSections().flatMap((section) => section.fields.map((field) => field.key));
    expect([...keys].sort()).toEqual([...SETTING_KEYS].sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('places today\'s options in named sections: nothing is left in "Other"', () => {
    const sections = settingsSections();
    expect(sections.map((section) => section.title)).not.toContain('Other');
    const titleOf = (key: string) => sections.find((section) => section.fields.some((field) => field.key === key))?.title;
    expect(titleOf('calls')).toBe('Features');
    expect(titleOf('conversations')).toBe('Features');
    expect(titleOf('privacy')).toBe('Privacy and data');
    expect(titleOf('retentionDays')).toBe('Privacy and data');
    expect(titleOf('botTurnLimit')).toBe('Conversation');
    expect(titleOf('greeting')).toBe('Texts');
  });

  it('derives the control from the schema: picklists select, flags check, bounded numbers, lists, groups, JSON for unions', () => {
    expect(kindOf('layout')).toEqual({ type: 'select', options: ['bubble', 'inline', 'fullscreen'] });
    expect(kindOf('startFirst')).toEqual({ type: 'boolean' });
    expect(kindOf('sessionDuration')).toEqual({ type: 'number', min: 1_800_000, max: 86_400_000 });
    expect(kindOf('origin')).toEqual({ type: 'list' });
    expect(kindOf('contactCollection')).toEqual({ type: 'json' });
    expect(kindOf('botId')).toEqual({ type: 'nullable-text' });
    const turnLimit = kindOf('botTurnLimit');
    expect(turnLimit.type === 'group' ? turnLimit.fields.map((field) => field.kind) : []).toEqual([
      { type: 'number', min: 1, max: 1_000_000, nullable: true },
      { type: 'number', min: 1, max: 1_000_000, nullable: true },
    ]);
    expect(kindOf('intro')).toMatchObject({ type: 'text', multiline: true });
    const theme = kindOf('theme');
    expect(theme.type).toBe('group');
    const primary = theme.type === 'group' ? theme.fields.find((f) => f.key === 'primaryColor') : undefined;
    expect(primary).toMatchObject({ label: 'Primary color', kind: { type: 'text', color: true } });
  });
});

describe('what an empty field means', () => {
  it('humanises code names, with hand-written labels where a word or two say more', () => {
    expect(valueLabel('round_robin')).toBe('Round robin (take turns)');
    expect(valueLabel('fullscreen')).toBe('Fullscreen');
    expect(valueLabel('top_left-corner')).toBe('Top left corner');
  });

  it('shows the built-in texts and values as placeholders, and nothing where there is none', () => {
    expect(builtInDefault('intro')).toBe('Hi! Ask us anything. We usually answer within minutes.');
    expect(builtInDefault('initial')).toBe('Hello! How can I help you today?');
    expect(builtInDefault('theme.radius')).toBe('14');
    expect(builtInDefault('theme.primaryColor')).toBe('#1f5fd1');
    expect(builtInDefault('routing')).toBe('round_robin');
    expect(builtInDefault('offlineMessage')).toBeUndefined();
    expect(builtInDefault('origin')).toBeUndefined();
  });
});
