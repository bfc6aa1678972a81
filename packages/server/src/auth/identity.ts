import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Each widget has its own secret, so a leak from one site does not let anyone impersonate users on another. */
export function generateIdentitySecret(): string {
  return randomBytes(32).toString('hex');
}

export function identityHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

/** Buffer.from(…, 'hex') silently stops at the first non-hex digit, so the shape is checked first. */
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export function verifyIdentityHash(secret: string, userId: string, userHash: string): boolean {
  if (!HEX_SHA256.test(userHash)) return false;
  const expected = Buffer.from(identityHash(secret, userId), 'hex');
  const given = Buffer.from(userHash.toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
