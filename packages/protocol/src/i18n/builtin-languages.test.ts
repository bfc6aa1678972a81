import { describe, expect, it } from 'vitest';

import { BUILTIN_LANGUAGES, BUILTIN_UI_STRINGS, builtinUiStrings, isBuiltinLanguage, isRtlLanguage } from './builtin-languages.js';
import { EN_UI_STRINGS, UI_STRING_KEYS } from './ui-strings.js';
import { PT_UI_STRINGS } from './strings/pt.js';

const placeholders = (text: string): string[] => [...text.matchAll(/\{[^{}]*\}/g)].map((m) => m[0]).sort();

const translated = BUILTIN_LANGUAGES.filter((code) => code !== 'en');

describe('built-in UI string catalogs', () => {
  it('provides a catalog for exactly the built-in languages', () => {
    expect(Object.keys(BUILTIN_UI_STRINGS).sort()).toEqual([...BUILTIN_LANGUAGES].sort());
  });

  it.each(BUILTIN_LANGUAGES)('%s defines every key with a non-empty text and no extra keys', (code) => {
    const catalog = BUILTIN_UI_STRINGS[code];
    expect(Object.keys(catalog).sort()).toEqual([...UI_STRING_KEYS].sort());
    for (const key of UI_STRING_KEYS) {
      expect(typeof catalog[key], `${code}.${key}`).toBe('string');
      expect(catalog[key].trim(), `${code}.${key}`).not.toBe('');
    }
  });

  it.each(translated)('%s keeps exactly the placeholders of the English text', (code) => {
    const catalog = BUILTIN_UI_STRINGS[code];
    for (const key of UI_STRING_KEYS) {
      expect(placeholders(catalog[key]), `${code}.${key}`).toEqual(placeholders(EN_UI_STRINGS[key]));
    }
  });

  it.each(translated)('%s translates at least 80% of the English texts', (code) => {
    const catalog = BUILTIN_UI_STRINGS[code];
    const different = UI_STRING_KEYS.filter((key) => catalog[key] !== EN_UI_STRINGS[key]);
    expect(different.length / UI_STRING_KEYS.length).toBeGreaterThanOrEqual(0.8);
  });

  it.each(translated)('%s uses the ellipsis character instead of three dots', (code) => {
    for (const key of UI_STRING_KEYS) {
      expect(BUILTIN_UI_STRINGS[code][key], `${code}.${key}`).not.toContain('...');
    }
  });

  it.each(translated)('%s keeps the product name Parley in the credit line', (code) => {
    expect(BUILTIN_UI_STRINGS[code].poweredBy).toContain('Parley');
  });
});

describe('isRtlLanguage', () => {
  it('treats Arabic and Hebrew as right to left', () => {
    expect(isRtlLanguage('ar')).toBe(true);
    expect(isRtlLanguage('he')).toBe(true);
  });

  it('looks only at the primary subtag, ignoring case and region', () => {
    expect(isRtlLanguage('ar-EG')).toBe(true);
    expect(isRtlLanguage('AR')).toBe(true);
  });

  it('treats English and French as left to right', () => {
    expect(isRtlLanguage('en')).toBe(false);
    expect(isRtlLanguage('fr')).toBe(false);
  });
});

describe('builtinUiStrings', () => {
  it('falls back from a regional tag to its primary language', () => {
    expect(builtinUiStrings('pt-BR')).toBe(PT_UI_STRINGS);
    expect(builtinUiStrings('zh-Hans')).toBe(BUILTIN_UI_STRINGS.zh);
  });

  it('matches language codes regardless of case', () => {
    expect(builtinUiStrings('EN')).toBe(EN_UI_STRINGS);
  });

  it('returns undefined for a language that is not built in', () => {
    expect(builtinUiStrings('xx')).toBeUndefined();
    expect(builtinUiStrings('')).toBeUndefined();
  });
});

describe('isBuiltinLanguage', () => {
  it('accepts exactly the built-in codes', () => {
    expect(isBuiltinLanguage('de')).toBe(true);
    expect(isBuiltinLanguage('de-AT')).toBe(false);
    expect(isBuiltinLanguage('fa')).toBe(false);
  });
});
