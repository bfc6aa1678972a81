import { describe, expect, it } from 'vitest';
import { diffConfig, jsonEqual } from './config-versions.js';

describe('diffConfig', () => {
  it('answers no change for equal documents, whatever their key order', () => {
    expect(diffConfig({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1 })).toEqual([]);
    expect(jsonEqual({ a: undefined, b: 1 }, { b: 1 })).toBe(true);
  });

  it('walks nested objects key by key in sorted order', () => {
    const before = { title: 'A', theme: { radius: 4, primaryColor: '#000' }, gone: true };
    const after = { title: 'B', theme: { radius: 4, primaryColor: '#fff', mode: 'dark' }, added: { x: 1 } };
    expect(diffConfig(before, after)).toEqual([
      { path: '/added', op: 'add', new: { x: 1 } },
      { path: '/gone', op: 'remove', old: true },
      { path: '/theme/mode', op: 'add', new: 'dark' },
      { path: '/theme/primaryColor', op: 'replace', old: '#000', new: '#fff' },
      { path: '/title', op: 'replace', old: 'A', new: 'B' },
    ]);
  });

  it('compares arrays item by item: changed items, then items added or removed at the end', () => {
    expect(diffConfig({ l: ['en', 'fr'] }, { l: ['en', 'de', 'it'] })).toEqual([
      { path: '/l/1', op: 'replace', old: 'fr', new: 'de' },
      { path: '/l/2', op: 'add', new: 'it' },
    ]);
    expect(diffConfig({ l: ['en', 'fr', 'de'] }, { l: ['en'] })).toEqual([
      { path: '/l/1', op: 'remove', old: 'fr' },
      { path: '/l/2', op: 'remove', old: 'de' },
    ]);
    const rules = [{ name: 'VIP', when: { attributes: { plan: 'pro' } } }];
    expect(diffConfig({ rules }, { rules: [{ name: 'VIP', when: { attributes: { plan: 'team' } } }] })).toEqual([
      { path: '/rules/0/when/attributes/plan', op: 'replace', old: 'pro', new: 'team' },
    ]);
  });

  it('replaces values whose type changes, and escapes ~ and / in keys (RFC 6901)', () => {
    expect(diffConfig({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: '/a', op: 'replace', old: [1], new: { 0: 1 } }]);
    expect(diffConfig({ a: null }, { a: 0 })).toEqual([{ path: '/a', op: 'replace', old: null, new: 0 }]);
    expect(diffConfig({ meta: { 'a/b~c': '1' } }, { meta: { 'a/b~c': '2' } })).toEqual([
      { path: '/meta/a~1b~0c', op: 'replace', old: '1', new: '2' },
    ]);
  });
});
