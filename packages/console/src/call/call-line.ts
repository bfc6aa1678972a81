import { CALL_END_REASONS, CALL_KINDS, callEventLine, type Author } from '@parley/protocol';

/**
 * A call's transcript event in English for the agent (the server stores its `text` in the visitor's language, as
 * it does its notices), from the event's payload; undefined for any other event.
 */
export function callLineInEnglish(payload: Readonly<Record<string, unknown>> | null | undefined): string | undefined {
  if (payload?.['event'] !== 'call') return undefined;
  const kind = CALL_KINDS.find((known) => known === payload['kind']);
  const endReason = CALL_END_REASONS.find((known) => known === payload['endReason']) ?? null;
  const caller = payload['caller'];
  if (kind === undefined || typeof caller !== 'object' || caller === null) return undefined;
  const role = 'role' in caller && caller.role === 'visitor' ? 'visitor' : 'agent';
  const name = 'name' in caller && typeof caller.name === 'string' ? caller.name : '';
  const author: Author = { role, id: '', name };
  const durationMs = typeof payload['durationMs'] === 'number' ? payload['durationMs'] : null;
  return callEventLine({ kind, caller: author, durationMs, endReason }, 'en');
}
