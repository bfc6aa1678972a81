import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './database.js';
import { inboxPageQuery, inboxQuery, type InboxFilter } from './inbox-store.js';

/**
 * The inbox's statements walk an index in the order they read (newest activity first) and stop at the
 * page, instead of sorting every conversation ever held. Asserted on SQLite's query plan: a plan is
 * the structure that makes the read cost the page, not the history.
 */
describe('inbox query plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-inbox-plan-'));
  let database: OpenDatabase;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'sqlite', file: join(dir, 'plan.db'), synchronous: 'normal' });
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The plan of the page's choice (inboxPageQuery), or of the whole statement (`whole`). */
  const plan = async (filter: Partial<InboxFilter>, whole = false): Promise<string> => {
    const query = whole ? inboxQuery : inboxPageQuery;
    const compiled = query(database.db, { agentId: 'agent_1', now: new Date().toISOString(), take: 50, ...filter }).compile();
    const result = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((row) => row.detail).join('\n');
  };

  it.each([
    ['every conversation', {}, 'conversations_updated'],
    ['the next page', { after: { updatedAt: '2026-12-01T00:00:00.000Z', id: 'conv_x' } }, 'conversations_updated'],
    ['one widget', { widgetId: 'wid_1' }, 'conversations_widget_updated'],
    ["a contact's conversations", { contactId: 'contact_1' }, 'conversations_contact'],
  ])('reads %s through an index in order, with no sort of the whole table', async (_name, filter, index) => {
    const detail = await plan(filter);
    expect(detail).toContain(`USING INDEX ${index}`);
    expect(detail).not.toContain('USE TEMP B-TREE FOR ORDER BY');
  });

  // The open and queued views start from the owners' index: they sort the conversations waiting for
  // people, a set bounded by the team's capacity, never the whole history.
  it('reads the open view from the owners index, without a table scan', async () => {
    const detail = await plan({ status: 'open' });
    expect(detail).toMatch(/SEARCH s USING INDEX conversation_states_owner/);
    expect(detail).not.toMatch(/^SCAN c\b/m);
  });

  // What a row shows (its last message, contact, assignee, unread count) is read for the page's rows only, looked
  // up by id from the page's list: worked out before the sort, it cost every open conversation's (10,000 open:
  // over a second for a page of 50).
  it.each([
    ['every conversation', {}],
    ['the open view', { status: 'open' as const }],
  ])('reads the columns of %s for the page’s rows only', async (_name, filter) => {
    const detail = await plan(filter, true);
    expect(detail).toMatch(/^SEARCH c USING INDEX \S+ \(id=\?\)$/m);
    expect(detail).toContain('LIST SUBQUERY');
    expect(detail).not.toMatch(/^SCAN (m|u|ct|a)\b/m);
  });
});
