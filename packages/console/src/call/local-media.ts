/** Why the browser gave no media, as the reason a call ends with. */
export type MediaFailure = 'permission-denied' | 'no-device' | 'failed';

/** The agent's microphone and, for video, camera. */
export function localMedia(wants: { readonly audio: boolean; readonly video: boolean }): Promise<MediaStream> {
  if (navigator.mediaDevices === undefined) return Promise.reject(new DOMException('no media devices', 'NotFoundError'));
  return navigator.mediaDevices.getUserMedia(wants);
}

/** Why getUserMedia failed, as a call's end reason: the browser (or the user) refused, or there is no such device. */
export function mediaFailure(error: unknown): MediaFailure {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'permission-denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'no-device';
  return 'failed';
}
