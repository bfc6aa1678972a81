/**
 * What audited routes keep of their answer or body in `detail`: ids, counts, kinds. Never a value a person
 * typed (names, emails, addresses, reasons).
 */
export function idIn(answer: unknown): string | null {
  return field(answer, 'id');
}

/** A block: which one, its scope and widget and until when; not what it refuses (an address, a user id). */
export function blockDetail(answer: unknown): Record<string, unknown> {
  return {
    blockId: field(answer, 'id'),
    scope: field(answer, 'scope'),
    widgetId: field(answer, 'widgetId'),
    expiresAt: field(answer, 'expiresAt'),
  };
}

export function liftedCount(answer: unknown): number {
  const lifted = typeof answer === 'object' && answer !== null && 'lifted' in answer ? answer.lifted : undefined;
  return Array.isArray(lifted) ? lifted.length : 0;
}

export function importCounts(answer: unknown): Record<string, unknown> {
  return { created: field(answer, 'created'), updated: field(answer, 'updated'), failed: field(answer, 'failed') };
}

export function mergedFrom(body: unknown): string | null {
  return field(body, 'from');
}

function field(value: unknown, key: string): string | null {
  if (typeof value !== 'object' || value === null || !(key in value)) return null;
  const found: unknown = (value as Record<string, unknown>)[key];
  return typeof found === 'string' || typeof found === 'number' ? (found as string) : null;
}
