import type { Kysely } from 'kysely';
import type { CannedResponse, CannedResponsePatch } from '@parley/protocol';
import type { Db } from './database.js';
import { newId, nowIso } from './ids.js';
import type { Database } from './schema.js';

export interface CannedResponsesTable {
  id: string;
  shortcut: string;
  text: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The table is declared here rather than in schema.ts: nothing else reads it. */
type WithCanned = Kysely<Database & { canned_responses: CannedResponsesTable }>;

/** The team's canned responses, by shortcut. Unique shortcuts are enforced by the table (isUniqueViolation). */
export class CannedResponsesStore {
  private readonly db: WithCanned;

  constructor(db: Db) {
    this.db = db.withTables<{ canned_responses: CannedResponsesTable }>();
  }

  async list(): Promise<CannedResponse[]> {
    const rows = await this.db.selectFrom('canned_responses').selectAll().orderBy('shortcut').execute();
    return rows.map(toCannedResponse);
  }

  async get(id: string): Promise<CannedResponse | undefined> {
    const row = await this.db.selectFrom('canned_responses').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toCannedResponse(row);
  }

  async create(shortcut: string, text: string, createdBy: string): Promise<CannedResponse> {
    const now = nowIso();
    const row: CannedResponsesTable = { id: newId('cr'), shortcut, text, created_by: createdBy, created_at: now, updated_at: now };
    await this.db.insertInto('canned_responses').values(row).execute();
    return toCannedResponse(row);
  }

  async update(id: string, patch: CannedResponsePatch): Promise<CannedResponse | undefined> {
    await this.db
      .updateTable('canned_responses')
      .set({
        ...(patch.shortcut === undefined ? {} : { shortcut: patch.shortcut }),
        ...(patch.text === undefined ? {} : { text: patch.text }),
        updated_at: nowIso(),
      })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('canned_responses').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toCannedResponse(row: CannedResponsesTable): CannedResponse {
  return {
    id: row.id,
    object: 'canned_response',
    shortcut: row.shortcut,
    text: row.text,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
