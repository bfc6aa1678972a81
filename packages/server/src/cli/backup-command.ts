import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import type { OpenDatabase } from '../store/database.js';

/**
 * `backup <file>`: a consistent copy of the SQLite database while the server runs. `VACUUM INTO`
 * reads one snapshot (WAL lets the server keep writing) and writes a compact, standalone file.
 */
export async function backupCommand(database: OpenDatabase, file: string | undefined): Promise<number> {
  if (file === undefined) {
    console.error('backup needs the file to write, e.g. backup /var/backups/parley/parley-$(date +%F).db');
    return 2;
  }
  if (database.dialect !== 'sqlite') {
    console.error('backup copies the embedded SQLite database; with PARLEY_DATABASE_URL use pg_dump (see docs/production.md).');
    return 2;
  }
  const target = resolve(file);
  if (existsSync(target)) {
    console.error(`${target} exists already; backup never overwrites a file: choose a new name or remove it first.`);
    return 1;
  }
  const started = performance.now();
  await sql`VACUUM INTO ${target}`.execute(database.db);
  console.log(`Backed up to ${target} in ${Math.round(performance.now() - started)} ms.`);
  return 0;
}
