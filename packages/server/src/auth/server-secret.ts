import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * PARLEY_SECRET when set; otherwise a secret generated on first start and kept in the data directory,
 * so session tokens stay valid across restarts without any set-up.
 */
export async function resolveServerSecret(configured: string | null, dataDir: string): Promise<string> {
  if (configured !== null) return configured;
  const file = join(dataDir, 'secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // `wx` fails if another process created the file meanwhile; then theirs wins and we read it.
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
}

/**
 * A key for one use of the server secret (`purpose` such as `parley/altcha-challenge/v1`): what one use
 * signs can never stand in for another's, and none for what the secret signs directly.
 */
export function deriveKey(serverSecret: string, purpose: string): Buffer {
  return createHmac('sha256', serverSecret).update(purpose).digest();
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
