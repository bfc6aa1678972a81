import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import type { ContactSort } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../store/database.js';
import { contactsStore, type ContactFilter } from './contacts-store.js';

/**
 * The contact list walks an index in the order it shows (last seen, creation, name; per widget or over
 * all) and stops at the page, instead of sorting every contact: asserted on SQLite's query plan, the
 * structure that makes a page cost the page whatever the number of contacts.
 */
describe('contact list query plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-contacts-plan-'));
  let database: OpenDatabase;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'sqlite', file: join(dir, 'plan.db'), synchronous: 'normal' });
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = async (filter: ContactFilter, sort: ContactSort, order: 'asc' | 'desc', next = false): Promise<string> => {
    const after = next ? { key: '2026-12-01T00:00:00.000Z', id: 'ct_01HZZZZZZZZZZZZZZZZZZZZZZZ' } : undefined;
    const compiled = contactsStore.listQuery(database.db, filter, { sort, order }, 20, after).compile();
    const result = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((row) => row.detail).join('\n');
  };

  const cases: ReadonlyArray<readonly [string, ContactFilter, ContactSort, 'asc' | 'desc', string, boolean]> = [
    ['last seen, newest first', {}, 'lastSeen', 'desc', 'contacts_seen', false],
    ['last seen, the next page', {}, 'lastSeen', 'desc', 'contacts_seen', true],
    ['last seen, oldest first', {}, 'lastSeen', 'asc', 'contacts_seen', false],
    ['one widget by last seen', { widgetId: 'wgt_1' }, 'lastSeen', 'desc', 'contacts_widget_seen', false],
    ['names A to Z', {}, 'name', 'asc', 'contacts_name', false],
    ['one widget by name', { widgetId: 'wgt_1' }, 'name', 'asc', 'contacts_widget_name', false],
    ['one widget, newest first', { widgetId: 'wgt_1' }, 'created', 'desc', 'contacts_widget_id', false],
  ];
  it.each(cases)('reads %s through an index in order, with no sort of the whole table', async (_name, filter, sort, order, index, next) => {
    const detail = await plan(filter, sort, order, next);
    expect(detail).toContain(`USING INDEX ${index}`);
    expect(detail).not.toContain('USE TEMP B-TREE FOR ORDER BY');
  });

  it('checks an attribute filter by the attributes index, per contact', async () => {
    const detail = await plan({ attributes: [['plan', 'pro']] }, 'lastSeen', 'desc');
    expect(detail).toMatch(/contact_attributes_(pk|key_value)|sqlite_autoindex_contact_attributes/);
    expect(detail).not.toMatch(/^SCAN a\b/m);
  });
});
