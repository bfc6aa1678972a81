import * as v from 'valibot';

export const idSchema = v.pipe(v.string('must be an id'), v.regex(/^[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an id such as wgt_01J…'));

export const nameSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(120, 'must be at most 120 characters'),
);

export const descriptionSchema = v.pipe(v.string('must be a string'), v.maxLength(2000, 'must be at most 2000 characters'));

const META_KEY = /^[a-zA-Z0-9_.-]{1,64}$/;

/** Free-form string labels (client, project, environment…) that list endpoints filter on. */
export const metaSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.regex(META_KEY, 'keys must be 1–64 letters, digits, _ . or -')),
    v.pipe(v.string('values must be strings'), v.maxLength(500, 'values must be at most 500 characters')),
    'must be an object of string values',
  ),
  v.check((meta) => Object.keys(meta).length <= 50, 'must hold at most 50 keys'),
);
export type Meta = Readonly<Record<string, string>>;

export const paginationQuerySchema = v.strictObject({
  take: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(100, 'must be at most 100'),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
});

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}
