import type { Schedule } from './connection-types.js';

/** setTimeout behind a cancel function, looked up at call time so test fake timers apply. */
export const defaultSchedule: Schedule = (run, ms) => {
  const handle = setTimeout(run, ms);
  return () => clearTimeout(handle);
};

export function noop(): void {}
