/**
 * Why a server-side request was not made or gave nothing usable. `invalid` and `refused` are about
 * the address itself (a malformed URL; a destination the policy does not allow, a redirect that is
 * not followed); `unavailable` is about the other end (no answer, an error status, too many bytes).
 * The message names the cause and never quotes the response body.
 */
export type OutboundFailure = 'invalid' | 'refused' | 'unavailable';

export class OutboundError extends Error {
  override readonly name = 'OutboundError';

  constructor(
    readonly failure: OutboundFailure,
    message: string,
  ) {
    super(message);
  }
}
