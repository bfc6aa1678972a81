import { describe, expect, it } from 'vitest';
import { languageName } from './language-name.js';

describe('languageName', () => {
  it('names a language tag in English', () => {
    expect(languageName('fr')).toBe('French');
    expect(languageName('pt-BR')).toBe('Brazilian Portuguese');
  });

  it('answers the tag itself when the browser cannot name it', () => {
    expect(languageName('not a tag')).toBe('not a tag');
  });
});
