import { describe, expect, it } from 'vitest';
import { plainText } from './markdown.js';

describe('plainText (the inbox list preview of a message)', () => {
  it('keeps the words and drops the Markdown marks, one line', () => {
    expect(plainText('What is your **order** number?')).toBe('What is your order number?');
    expect(plainText('- one\n- *two*\n\nSee [the docs](https://example.com) and `npm start`')).toBe('one two See the docs and npm start');
    expect(plainText('plain')).toBe('plain');
  });
});
