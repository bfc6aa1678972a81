import { SETTING_KEYS, settingsEntries } from '@parley/protocol';
import * as v from 'valibot';

type Values = Readonly<Record<string, unknown>>;

/** Only what changed; `theme` and `notifications` merge key by key on the server, so only their changed keys go. */
export function diffSettings(initial: Values, current: Values): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const before = initial[key];
    const after = current[key];
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    if (isPlainObject(before) && isPlainObject(after)) {
      const sub: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(after)) if (JSON.stringify(before[name]) !== JSON.stringify(value)) sub[name] = value;
      // A key the form cleared: null removes it on the server, so the blueprint's or default value applies again.
      for (const name of Object.keys(before)) if (after[name] === undefined) sub[name] = null;
      patch[key] = sub;
    } else patch[key] = after === undefined ? null : after;
  }
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field errors from the protocol's own schemas, keyed by dotted path. */
export function validateSettings(patch: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(patch)) {
    const schema = settingsEntries[key as keyof typeof settingsEntries];
    if (value === null || schema === undefined) continue;
    // Inside theme and notifications, null clears a key: only the values set are checked.
    const checked = isPlainObject(value) ? Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null)) : value;
    const result = v.safeParse(v.nullable(key === 'theme' || key === 'notifications' ? v.partial(schema as never) : schema), checked);
    if (!result.success) {
      for (const issue of result.issues) {
        const path = [key, ...(issue.path ?? []).map((step) => String(step.key))].join('.');
        errors[path] ??= issue.message;
      }
    }
  }
  return errors;
}
