import { fstatSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isStorageFailure } from './storage-failure.js';
import { walFile, WalSync, WalSyncError } from './wal-sync.js';

/** A sync the test finishes by hand: each call waits in `calls` until resolved or rejected. */
function heldSync(): { sync: () => Promise<void>; calls: { resolve(): void; reject(error: unknown): void }[] } {
  const calls: { resolve(): void; reject(error: unknown): void }[] = [];
  return { calls, sync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })) };
}

/** The promise's state once every callback already due has run. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let seen: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (seen = 'resolved'),
    () => (seen = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

describe('WalSync', () => {
  it('resolves a commit only once a sync started after it has completed', async () => {
    const { sync, calls } = heldSync();
    const walSync = new WalSync(sync);
    const durable = walSync.durable(walSync.committed());
    expect(await state(durable)).toBe('pending');
    expect(calls).toHaveLength(1);
    calls[0]?.resolve();
    expect(await state(durable)).toBe('resolved');
    expect(walSync.isDurable(walSync.generation)).toBe(true);
  });

  it('syncs the commits made before a sync starts once, and those made while it runs with the next', async () => {
    const { sync, calls } = heldSync();
    const walSync = new WalSync(sync);
    // Ten commits, then their waits: one sync covers them all.
    const generations = Array.from({ length: 10 }, () => walSync.committed());
    const first = generations.map((g) => walSync.durable(g));
    expect(calls).toHaveLength(1);
    // Ten more while it runs: they need a sync that starts after them.
    const later = Array.from({ length: 10 }, () => walSync.durable(walSync.committed()));
    expect(calls).toHaveLength(1);
    calls[0]?.resolve();
    expect(await state(Promise.all(first))).toBe('resolved');
    expect(await Promise.all(later.map(state))).toEqual(Array(10).fill('pending'));
    expect(calls).toHaveLength(2);
    calls[1]?.resolve();
    expect(await state(Promise.all(later))).toBe('resolved');
    expect(calls).toHaveLength(2);
    // Nothing new committed: no sync.
    await walSync.durable(walSync.generation);
    expect(calls).toHaveLength(2);
  });

  it('fails the commits a failed sync covered with a storage error, reports it once, and syncs later commits anew', async () => {
    const { sync, calls } = heldSync();
    const failures: unknown[] = [];
    const walSync = new WalSync(sync, (error) => failures.push(error));
    const [a, b] = [walSync.committed(), walSync.committed()];
    const covered = [walSync.durable(a), walSync.durable(b)];
    const after = walSync.durable(walSync.committed());
    calls[0]?.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const errors = await Promise.all(covered.map((p) => p.catch((error: unknown) => error)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(WalSyncError);
      expect(error).toMatchObject({ code: 'SQLITE_IOERR_FSYNC', message: expect.stringContaining('EIO') });
      expect(isStorageFailure(error)).toBe(true);
    }
    expect(failures).toHaveLength(1);
    // The commit made while the failed sync ran waits for its own sync, which succeeds.
    expect(await state(after)).toBe('pending');
    calls[1]?.resolve();
    expect(await state(after)).toBe('resolved');
  });
});

describe('walFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wal-sync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** walFile with a flush that records the inode of each descriptor it is given. */
  function recordingWal(path: string): { sync(): Promise<void>; close(): void; synced: number[] } {
    const synced: number[] = [];
    const wal = walFile(path, async (fd) => {
      synced.push(fstatSync(fd).ino);
    });
    return { ...wal, synced };
  }

  it('flushes the live WAL of a database: opened at the first sync, the same file after checkpoints', async () => {
    const file = join(dir, 'live.db');
    const main = new SqliteDatabase(file);
    main.pragma('journal_mode = WAL');
    main.pragma('wal_autocheckpoint = 0');
    // A new database has no WAL before its first write: nothing to open yet, and no error.
    const wal = recordingWal(`${file}-wal`);
    main.exec('create table t (x)');
    main.prepare('insert into t values (1)').run();
    await wal.sync();
    expect(wal.synced).toEqual([statSync(`${file}-wal`).ino]);
    // A checkpoint that resets the WAL (RESTART) or shortens it to nothing (TRUNCATE), by another connection (as the
    // checkpointer's): the next commit's sync still reaches the file SQLite writes.
    const checkpointer = new SqliteDatabase(file);
    for (const mode of ['RESTART', 'TRUNCATE']) {
      checkpointer.pragma(`wal_checkpoint(${mode})`);
      main.prepare('insert into t values (2)').run();
      await wal.sync();
      expect(wal.synced.at(-1)).toBe(statSync(`${file}-wal`).ino);
    }
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    checkpointer.close();
    main.close();
    wal.close();
  });

  it('follows the file at the path when it is replaced, and fails while there is none', async () => {
    const path = join(dir, 'replaced-wal');
    const wal = recordingWal(path);
    await expect(wal.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(path, 'first');
    await wal.sync();
    const first = statSync(path).ino;
    // A new file at the path (as SQLite makes after the last connection deleted the WAL): the old one is still
    // open here, so its inode cannot be reused, and the next sync must reach the new one.
    writeFileSync(`${path}.new`, 'second');
    renameSync(`${path}.new`, path);
    await wal.sync();
    expect(wal.synced).toEqual([first, statSync(path).ino]);
    expect(statSync(path).ino).not.toBe(first);
    wal.close();
  });
});
