import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Admin API keys are 192 random bits, so a fast hash is enough to store them: there is nothing to
 * brute-force. (Agent passwords, which people choose, get a memory-hard hash instead.)
 */
export function generateApiKey(): string {
  return `pk_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, 10);
}

export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
