import { sha256 } from '@noble/hashes/sha2.js';

/** SHA-256 of some bytes, as `crypto.subtle` gives it (a promise) or as the pure-JS fallback does (at once). */
export type Digest = (data: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer> | ArrayBuffer | Uint8Array;

/**
 * `crypto.subtle.digest` where the page has it (a secure context: https or localhost), else a small, audited
 * pure-JS SHA-256 (@noble/hashes, ~3 KB). A plain-http page on another host has no `crypto.subtle`, and its
 * visitors must still be able to solve a challenge. Lives in the challenge entry only, never in the widget core.
 */
export function challengeDigest(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Digest {
  return subtle === undefined ? (data) => sha256(data) : (data) => subtle.digest('SHA-256', data);
}
