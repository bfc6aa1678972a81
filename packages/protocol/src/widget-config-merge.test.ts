import { describe, expect, it } from 'vitest';
import { mergeWidgetSettings, overlaySettings } from './widget-config-merge.js';
import { DEFAULT_WIDGET_SETTINGS, type PartialWidgetSettings } from './widget-settings.js';

describe('mergeWidgetSettings', () => {
  it('returns the defaults when no layer sets anything', () => {
    expect(mergeWidgetSettings()).toEqual(DEFAULT_WIDGET_SETTINGS);
    expect(mergeWidgetSettings({}, {})).toEqual(DEFAULT_WIDGET_SETTINGS);
  });

  it('lets later layers win key by key', () => {
    const blueprint: PartialWidgetSettings = { title: 'Blueprint', intro: 'Blueprint intro', attachments: true, botId: 'bot_a' };
    const widget: PartialWidgetSettings = { title: 'Widget', attachments: false, botId: null };
    expect(mergeWidgetSettings(blueprint, widget)).toEqual({
      ...DEFAULT_WIDGET_SETTINGS,
      title: 'Widget',
      intro: 'Blueprint intro',
      attachments: false,
      botId: null,
    });
    expect(mergeWidgetSettings(widget, blueprint)).toMatchObject({ title: 'Blueprint', attachments: true, botId: 'bot_a' });
  });

  it('merges the theme and notifications key by key across all layers', () => {
    const merged = mergeWidgetSettings(
      { theme: { primaryColor: '#aa0000', radius: 2 }, notifications: { sound: false } },
      { theme: { radius: 9 } },
    );
    expect(merged.theme).toEqual({ ...DEFAULT_WIDGET_SETTINGS.theme, primaryColor: '#aa0000', radius: 9 });
    expect(merged.notifications).toEqual({ sound: false, tabTitle: true });
  });

  it('replaces lists whole instead of merging them, an empty list included', () => {
    const blueprint: PartialWidgetSettings = {
      origin: ['https://a.example.com', 'https://b.example.com'],
      languages: ['fr', 'de'],
      tools: [{ name: 'lookup', description: 'Looks up', url: 'https://tools.example.com' }],
    };
    const merged = mergeWidgetSettings(blueprint, { origin: ['https://c.example.com'], languages: [], tools: false });
    expect(merged.origin).toEqual(['https://c.example.com']);
    expect(merged.languages).toEqual([]);
    expect(merged.tools).toBe(false);
  });

  it('replaces object values that are not theme or notifications', () => {
    const merged = mergeWidgetSettings(
      { contactCollection: { when: 'before', fields: ['name', 'email'], required: true } },
      { contactCollection: { when: 'during', fields: ['phone'] } },
    );
    expect(merged.contactCollection).toEqual({ when: 'during', fields: ['phone'] });
  });

  it('leaves its inputs and the defaults untouched', () => {
    const blueprint: PartialWidgetSettings = { theme: { radius: 2 }, title: 'Blueprint' };
    const widget: PartialWidgetSettings = { theme: { radius: 9 } };
    const merged = mergeWidgetSettings(blueprint, widget);
    expect(merged).toMatchObject({ title: 'Blueprint', theme: { radius: 9 } });
    expect(blueprint).toEqual({ theme: { radius: 2 }, title: 'Blueprint' });
    expect(widget.theme).toEqual({ radius: 9 });
    expect(DEFAULT_WIDGET_SETTINGS.theme.radius).toBe(14);
  });
});

describe('overlaySettings', () => {
  it('overlays one partial layer on another without adding defaults', () => {
    expect(overlaySettings({ title: 'A', theme: { radius: 2 } }, { intro: 'B', theme: { mode: 'dark' } })).toEqual({
      title: 'A',
      intro: 'B',
      theme: { radius: 2, mode: 'dark' },
    });
  });

  it('removes a theme or notifications key given as null, so the layer below applies again', () => {
    // A PATCH body or a create body may carry these nulls; they are never stored.
    const layer = { theme: { primaryColor: null, radius: 3 }, notifications: { sound: null } } as unknown as PartialWidgetSettings;
    const own = overlaySettings({ theme: { primaryColor: '#aa0000', mode: 'dark' }, notifications: { sound: false } }, layer);
    expect(own).toEqual({ theme: { mode: 'dark', radius: 3 }, notifications: {} });
    expect(overlaySettings({}, layer)).toEqual({ theme: { radius: 3 }, notifications: {} });
    expect(mergeWidgetSettings({ theme: { primaryColor: '#bb0000' } }, own).theme.primaryColor).toBe('#bb0000');
  });

  it('is associative, so flattening a blueprint into a widget keeps the effective settings', () => {
    const blueprint: PartialWidgetSettings = { theme: { primaryColor: '#aa0000' }, origin: ['https://a.example.com'], title: 'B' };
    const widget: PartialWidgetSettings = { theme: { radius: 3 }, title: 'W' };
    expect(mergeWidgetSettings(overlaySettings(blueprint, widget))).toEqual(mergeWidgetSettings(blueprint, widget));
  });
});
