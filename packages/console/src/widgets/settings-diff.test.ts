import { DEFAULT_WIDGET_SETTINGS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { diffSettings, validateSettings } from './settings-diff.js';

describe('saving widget options', () => {
  it('sends only the options that changed, and only the changed keys of theme', () => {
    const after = { ...DEFAULT_WIDGET_SETTINGS, title: 'Hi', theme: { ...DEFAULT_WIDGET_SETTINGS.theme, primaryColor: '#0f766e' } };
    expect(diffSettings(DEFAULT_WIDGET_SETTINGS, after)).toEqual({ title: 'Hi', theme: { primaryColor: '#0f766e' } });
    expect(diffSettings(DEFAULT_WIDGET_SETTINGS, DEFAULT_WIDGET_SETTINGS)).toEqual({});
  });

  it('sends null for an option that was cleared, so the blueprint or default applies again', () => {
    expect(diffSettings({ ...DEFAULT_WIDGET_SETTINGS }, { ...DEFAULT_WIDGET_SETTINGS, placeholder: undefined })).toEqual({
      placeholder: null,
    });
  });

  it('sends null for a theme key that was cleared, so only that key falls back to the blueprint or default', () => {
    const before = { theme: { primaryColor: '#0f766e', radius: 4 } };
    expect(diffSettings(before, { theme: { radius: 4 } })).toEqual({ theme: { primaryColor: null } });
    expect(validateSettings({ theme: { primaryColor: null, radius: 8 } })).toEqual({});
  });

  it('reports invalid values with the protocol message, at their dotted path', () => {
    expect(validateSettings({ theme: { primaryColor: 'teal' }, sessionDuration: 5 })).toEqual({
      'theme.primaryColor': 'must be a hex color such as #1f6feb',
      sessionDuration: 'must be at least 1800000 ms (30 minutes)',
    });
    expect(validateSettings({ title: 'fine', theme: { radius: 8 } })).toEqual({});
  });
});
