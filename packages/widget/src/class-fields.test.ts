import { describe, expect, it } from 'vitest';

/**
 * The widget ships with TypeScript's assignment semantics for class fields (useDefineForClassFields false in
 * packages/widget/tsconfig.json, which build.mjs hands to esbuild): these tests run the same semantics.
 */
describe('class fields in the widget', () => {
  it('are assigned in the constructor, so a field without an initializer is no own property until set', () => {
    class Probe {
      field: number | undefined;
      set(): this {
        this.field = 1;
        return this;
      }
    }
    expect(Object.hasOwn(new Probe(), 'field')).toBe(false);
    expect(Object.hasOwn(new Probe().set(), 'field')).toBe(true);
  });
});
