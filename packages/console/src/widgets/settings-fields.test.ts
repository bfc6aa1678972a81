import { SETTING_KEYS, type SettingKey } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { settingsSections, type FieldKind } from './settings-fields.js';

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

  it('derives the control from the schema: picklists select, flags check, bounded numbers, lists, groups, JSON for unions', () => {
    expect(kindOf('layout')).toEqual({ type: 'select', options: ['bubble', 'inline', 'fullscreen'] });
    expect(kindOf('startFirst')).toEqual({ type: 'boolean' });
    expect(kindOf('sessionDuration')).toEqual({ type: 'number', min: 1_800_000, max: 86_400_000 });
    expect(kindOf('origin')).toEqual({ type: 'list' });
    expect(kindOf('contactCollection')).toEqual({ type: 'json' });
    expect(kindOf('botId')).toEqual({ type: 'nullable-text' });
    expect(kindOf('intro')).toMatchObject({ type: 'text', multiline: true });
    const theme = kindOf('theme');
    expect(theme.type).toBe('group');
    const primary = theme.type === 'group' ? theme.fields.find((f) => f.key === 'primaryColor') : undefined;
    expect(primary).toMatchObject({ label: 'Primary color', kind: { type: 'text', color: true } });
  });
});
