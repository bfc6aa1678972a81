/**
 * Why a preview or a preview image could not be made. `invalid` and `refused` are about the link
 * itself (the route answers 400); `unavailable` is about the page (404). The message names the cause.
 */
export type UnfurlFailure = 'invalid' | 'refused' | 'unavailable';

export class UnfurlError extends Error {
  override readonly name = 'UnfurlError';

  constructor(
    readonly failure: UnfurlFailure,
    message: string,
  ) {
    super(message);
  }
}
