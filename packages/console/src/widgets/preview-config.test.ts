import { DEFAULT_WIDGET_SETTINGS, EN_UI_STRINGS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { invalidKeys, previewMessage } from './preview-config.js';

describe('preview config (what the editor posts to the preview frame)', () => {
  const saved = { ...DEFAULT_WIDGET_SETTINGS, title: 'Saved title', theme: { ...DEFAULT_WIDGET_SETTINGS.theme, primaryColor: '#111111' } };

  it('is the public config of the unsaved values: custom texts as typed, built-in texts for empty ones, no server-only options', () => {
    const message = previewMessage(
      'wgt_1',
      { ...saved, title: 'Unsaved title', tools: [{ name: 't', description: '', url: 'https://t.example' }] },
      saved,
      new Set(),
    );
    expect(message.config.id).toBe('wgt_1');
    expect(message.config.strings.title).toBe('Unsaved title');
    expect(message.config.strings.placeholder).toBe(EN_UI_STRINGS.placeholder);
    expect(message.config.tools).toBe(true);
    expect(message.config.languages).toEqual(['en']);
    expect(message.config).not.toHaveProperty('origin');
    expect(message.config).not.toHaveProperty('botId');
    expect(message.layout).toBe('bubble');
    expect(message.sample.map((line) => line.role)).toEqual(['visitor', 'bot']);
  });

  it('keeps the saved value of an option that is not valid yet', () => {
    const values = { ...saved, theme: { ...saved.theme, primaryColor: '#12' } };
    const message = previewMessage('wgt_1', values, saved, invalidKeys({ 'theme.primaryColor': 'must be a hex color' }));
    expect(message.config.theme.primaryColor).toBe('#111111');
  });

  it('speaks the widget language: right to left with its built-in texts and a sample in that language', () => {
    const message = previewMessage('wgt_1', { ...saved, title: '', language: 'ar', layout: 'inline' }, saved, new Set());
    expect(message.config.dir).toBe('rtl');
    expect(message.config.language).toBe('ar');
    expect(message.config.strings.title).not.toBe(EN_UI_STRINGS.title);
    expect(message.sample[0]?.text).toMatch(/[\u0600-\u06FF]/);
    expect(message.layout).toBe('fullscreen');
  });
});
