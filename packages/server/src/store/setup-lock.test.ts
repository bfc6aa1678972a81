import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { StorageConfig } from '../config.js';
import { POSTGRES_URL, postgresUnavailable } from '../testing/test-server.js';
import { acquireSetupLock } from './setup-lock.js';

const skipPostgres = process.env['PARLEY_TEST_SKIP_POSTGRES'] === '1' && process.env['CI'] !== 'true';

// SQLite's lock waits by blocking the thread, so two holders in one process would wait for each other
// for good: e2e/concurrent-start.test.ts covers it with four processes on one file.
describe.skipIf(skipPostgres)('the setup lock on PostgreSQL', () => {
  it('makes a second start on the same schema wait, saying so, until the first releases; another schema does not wait', async () => {
    const reason = await postgresUnavailable();
    if (reason !== null) throw new Error(`PostgreSQL at ${POSTGRES_URL} is needed for this test: ${reason}`);
    const schema = `parley_lock_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const storage: StorageConfig = { kind: 'postgres', url: POSTGRES_URL, schema };
    const waited: string[] = [];
    const first = await acquireSetupLock(storage, () => waited.push('first'));
    let secondHolds = false;
    const second = acquireSetupLock(storage, () => waited.push('second')).then((lock) => {
      secondHolds = true;
      return lock;
    });
    while (!waited.includes('second')) await sleep(20);
    const other = await acquireSetupLock({ ...storage, schema: `${schema}_other` }, () => waited.push('other'));
    await other.release();
    await sleep(100);
    expect(secondHolds).toBe(false);
    await first.release();
    await (await second).release();
    expect(waited).toEqual(['second']);
  });
});
