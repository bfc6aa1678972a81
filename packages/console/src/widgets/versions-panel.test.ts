import { describe, expect, it } from 'vitest';
import { changeLabel, changeValue } from './versions-panel.js';

describe('readable configuration diff', () => {
  it("labels a JSON Pointer with the editor's labels, array items by position, escapes undone", () => {
    expect(changeLabel('/title')).toBe('Title');
    expect(changeLabel('/theme/primaryColor')).toBe('Theme › Primary color');
    expect(changeLabel('/calls/visitor')).toBe('Voice and video calls › Calls visitors may start');
    expect(changeLabel('/origin/0')).toBe('Allowed origins (one a line; empty = anywhere) › item 1');
    expect(changeLabel('/meta/a~1b')).toBe('Meta › A~1b'.replace('~1', '/'));
  });

  it('shows values as words: not set, empty, on/off, text as typed, the rest as JSON', () => {
    expect(changeValue(undefined)).toBe('(not set)');
    expect(changeValue(null)).toBe('(not set)');
    expect(changeValue('')).toBe('(empty)');
    expect(changeValue(true)).toBe('On');
    expect(changeValue(false)).toBe('Off');
    expect(changeValue('Hello')).toBe('Hello');
    expect(changeValue(['a', 'b'])).toBe('["a","b"]');
  });
});
