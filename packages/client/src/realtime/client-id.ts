const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULIDs use.

/**
 * A ULID-like idempotency key: 10 characters of time (so keys sort by creation) and 16 of randomness,
 * 26 characters of [0-9A-Z], which the protocol's clientId rule (8–64 of [A-Za-z0-9_-]) accepts.
 */
export function createClientId(now: number = Date.now(), random: () => number = Math.random): string {
  let time = '';
  let rest = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET.charAt(Math.floor(random() * 32) % 32);
  return time + tail;
}
