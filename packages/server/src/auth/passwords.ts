import { hash, verify } from '@node-rs/argon2';

/**
 * Agent passwords: argon2id (the library's default algorithm), memory-hard so a stolen database is
 * slow to brute-force. OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** A hash of a password nobody has: verifying against it costs the same as against a real one. */
let decoy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash verifies nothing; the caller answers "wrong credentials".
    return false;
  }
}

/** For an unknown email: spend the time a real check would, so timing does not reveal which emails exist. */
export async function verifyDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(`decoy-${Math.random()}`);
  await verifyPassword(await decoy, password);
  return false;
}
