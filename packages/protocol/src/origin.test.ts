import { describe, expect, it } from 'vitest';
import { isOriginAllowed, isValidOriginPattern, originMatches } from './origin.js';
import { isValidLanguageTag, primaryLanguage } from './language.js';

describe('origin allowlists', () => {
  it.each(['https://example.com', 'http://localhost:3000', 'https://*.example.com', 'https://shop.example.co.uk:8443'])(
    'accepts the pattern %s',
    (p) => {
      expect(isValidOriginPattern(p)).toBe(true);
    },
  );

  it.each([
    'example.com',
    'https://example.com/',
    'https://example.com/path',
    'ftp://example.com',
    'https://*example.com',
    'https://a.*.com',
    'https://example.com:99999',
    '*',
  ])('refuses the pattern %s', (p) => {
    expect(isValidOriginPattern(p)).toBe(false);
  });

  it('matches exact origins case-insensitively and nothing else', () => {
    expect(originMatches('https://Shop.Example.com', 'https://shop.example.com')).toBe(true);
    expect(originMatches('http://shop.example.com', 'https://shop.example.com')).toBe(false);
    expect(originMatches('https://shop.example.com:8443', 'https://shop.example.com')).toBe(false);
  });

  it('matches subdomains with a wildcard but not the apex or a look-alike domain', () => {
    expect(originMatches('https://a.example.com', 'https://*.example.com')).toBe(true);
    expect(originMatches('https://a.b.example.com', 'https://*.example.com')).toBe(true);
    expect(originMatches('https://example.com', 'https://*.example.com')).toBe(false);
    expect(originMatches('https://evilexample.com', 'https://*.example.com')).toBe(false);
    expect(originMatches('https://example.com.evil.io', 'https://*.example.com')).toBe(false);
    expect(originMatches('http://a.example.com', 'https://*.example.com')).toBe(false);
  });

  it('allows every origin when the list is empty', () => {
    expect(isOriginAllowed('https://anything.test', [])).toBe(true);
    expect(isOriginAllowed('https://anything.test', ['https://other.test'])).toBe(false);
  });
});

describe('language tags', () => {
  it.each(['en', 'pt-BR', 'zh-Hans', 'zh-Hant-TW', 'es-419', 'fil'])('accepts %s', (tag) => expect(isValidLanguageTag(tag)).toBe(true));
  it.each(['english', 'EN', 'pt_BR', 'en-us', 'x-private', ''])('refuses %s', (tag) => expect(isValidLanguageTag(tag)).toBe(false));
  it('takes the primary subtag', () => expect(primaryLanguage('pt-BR')).toBe('pt'));
});
