import { sql } from 'kysely';
import type { TestServer } from './test-server.js';

export type Scan = Record<string, Record<string, unknown>[]>;

/** Every row of every table, by table name in order, the tables read from the schema now (so a table added later is scanned too). */
export async function scanAllTables(server: TestServer): Promise<Scan> {
  const { db, dialect } = server.services.database;
  const tables =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
          db,
        )
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(db);
  const out: Scan = {};
  for (const { name } of tables.rows) out[name] = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
  return out;
}
