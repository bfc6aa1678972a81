/**
 * A whole number from a URL or header (a seq, a wait): digits only, at most 15 of them (below 2^53, so exact as a
 * JavaScript number); undefined when absent or anything else. One rule for every transport: the WebSocket's and SSE's
 * `lastSeq`, SSE's Last-Event-ID, poll's `since` and `wait`.
 */
export function wholeNumber(text: string | null | undefined): number | undefined {
  return text !== null && text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
