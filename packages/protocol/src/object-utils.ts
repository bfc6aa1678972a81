/**
 * `Object.keys` is typed `string[]` because objects may carry extra keys at run time. These helpers
 * are for the frozen literal tables of this package, where the keys are exactly the declared ones.
 */
export function keysOf<T extends object>(table: T): readonly (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}
