import { describe, expect, it } from 'vitest';
import { builtinUiStrings, EN_UI_STRINGS, mergeWidgetSettings, type PartialWidgetSettings } from '@parley/protocol';
import { pickLanguage, resolveLanguage, untranslatedLanguageMap, widgetLanguages, withCustomTexts } from './language-map.js';

const settings = (partial: PartialWidgetSettings) => mergeWidgetSettings(partial);

describe('widgetLanguages', () => {
  it('lists the default language first, then the others, without repeats', () => {
    expect(widgetLanguages(settings({}))).toEqual(['en']);
    expect(widgetLanguages(settings({ language: 'fr', languages: ['de', 'fr', 'ja', 'de'] }))).toEqual(['fr', 'de', 'ja']);
  });
});

describe('pickLanguage', () => {
  const french = settings({ language: 'fr', languages: ['en', 'de'] });

  it("keeps a widget's own language over an English browser", () => {
    expect(pickLanguage({ browser: 'en-US' }, french, true)).toBe('fr');
  });

  it('lets the page or the visitor choose over the widget language, among the languages it offers', () => {
    expect(pickLanguage({ lang: 'de', browser: 'en-US' }, french, true)).toBe('de');
    expect(pickLanguage({ lang: 'ja' }, french, true)).toBe('fr');
  });

  it('follows the browser when neither the widget nor its blueprint sets a language', () => {
    const unset = settings({ languages: ['fr', 'de'] });
    expect(pickLanguage({ browser: 'fr-CA' }, unset, false)).toBe('fr');
    expect(pickLanguage({ browser: 'ja' }, unset, false)).toBe('en');
    expect(pickLanguage({}, unset, false)).toBe('en');
  });
});

describe('resolveLanguage', () => {
  const widget = settings({ language: 'en', languages: ['fr', 'pt-BR', 'pt', 'zh-Hans'] });

  it('answers the default language when the visitor asks for none', () => {
    expect(resolveLanguage(undefined, widget)).toBe('en');
    expect(resolveLanguage(undefined, settings({ language: 'de', languages: ['en'] }))).toBe('de');
  });

  it('prefers the exact tag, ignoring case', () => {
    expect(resolveLanguage('fr', widget)).toBe('fr');
    expect(resolveLanguage('pt-BR', widget)).toBe('pt-BR');
    expect(resolveLanguage('pt-br', widget)).toBe('pt-BR');
    expect(resolveLanguage('PT', widget)).toBe('pt');
  });

  it('falls back to the same primary language, preferring its bare tag over another region', () => {
    expect(resolveLanguage('fr-CA', widget)).toBe('fr');
    expect(resolveLanguage('pt-PT', widget)).toBe('pt');
    expect(resolveLanguage('zh-Hant', widget)).toBe('zh-Hans');
    expect(resolveLanguage('pt', settings({ languages: ['pt-BR'] }))).toBe('pt-BR');
    expect(resolveLanguage('en-GB', settings({ language: 'en-US', languages: ['fr'] }))).toBe('en-US');
  });

  it('falls back to the default language when nothing matches', () => {
    expect(resolveLanguage('sv', widget)).toBe('en');
    expect(resolveLanguage('ja', settings({ language: 'de' }))).toBe('de');
  });
});

describe('untranslatedLanguageMap', () => {
  it('is the built-in texts of the language when the owner set no custom text', () => {
    expect(untranslatedLanguageMap('fr', settings({}))).toEqual(builtinUiStrings('fr'));
    expect(untranslatedLanguageMap('pt-BR', settings({}))).toEqual(builtinUiStrings('pt'));
  });

  it('overlays the custom texts as written on the built-in texts', () => {
    const map = untranslatedLanguageMap('fr', settings({ title: 'Help', placeholder: 'Type here' }));
    expect(map).toEqual({ ...builtinUiStrings('fr'), title: 'Help', placeholder: 'Type here' });
    expect(map.dialogYes).toBe('Oui');
    expect(map.intro).toBe(builtinUiStrings('fr')?.intro);
  });

  it('uses English for a language without built-in texts', () => {
    expect(untranslatedLanguageMap('sv', settings({ title: 'Help' }))).toEqual({ ...EN_UI_STRINGS, title: 'Help' });
  });
});

describe('withCustomTexts', () => {
  it('prefers a translation of a custom text and keeps the original where there is none', () => {
    const map = withCustomTexts(EN_UI_STRINGS, settings({ title: 'Help', intro: 'Ask us' }), { title: '[fr] Help', send: 'ignored' });
    expect(map).toEqual({ ...EN_UI_STRINGS, title: '[fr] Help', intro: 'Ask us' });
  });

  it('ignores translations of texts the owner did not customise', () => {
    expect(withCustomTexts(EN_UI_STRINGS, settings({}), { title: '[fr] Chat' })).toEqual(EN_UI_STRINGS);
  });
});
