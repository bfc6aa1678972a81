import { readdirSync } from 'node:fs';
import { LocalFileStore } from '../../files/local-file-store.js';
import { openSession } from '../../testing/fixtures.js';
import type { Scan } from '../../testing/table-scan.js';
import type { TestServer } from '../../testing/test-server.js';

/** Tables that keep opaque ids of what was erased, by design: the append-only audit log says who did what to which id (never personal data). */
export const KEEPS_IDS: ReadonlySet<string> = new Set(['audit_log']);

/** `scan` without these tables. */
export function withoutTables(scan: Scan, tables: ReadonlySet<string>): Scan {
  return Object.fromEntries(Object.entries(scan).filter(([table]) => !tables.has(table)));
}

/** The rows of `scan` whose any value contains one of `needles`, as `table: row JSON`. */
export function rowsMentioning(scan: Scan, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const [table, rows] of Object.entries(scan)) {
    for (const row of rows) {
      const text = JSON.stringify(row);
      if (needles.some((needle) => text.includes(needle) || text.includes(JSON.stringify(needle).slice(1, -1))))
        found.push(`${table}: ${text}`);
    }
  }
  return found;
}

/** The upload folder's entries (bytes and `.json` meta per file). */
export function uploadFolder(server: TestServer): string[] {
  const files = server.services.files;
  if (!(files instanceof LocalFileStore)) throw new Error('the test server keeps files on disk');
  try {
    return readdirSync(files.dir);
  } catch {
    return [];
  }
}

export interface SeededConversation {
  readonly conversationId: string;
  readonly token: string;
  readonly texts: readonly string[];
  readonly fileId: string;
}

const unique = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 12)}`;

/**
 * A visitor conversation with a little of everything: a contact (name, email) when given, visitor
 * messages, an upload, the bot's answers, an agent's reply and a private note (ownership state, activity,
 * read cursors, events, report facts), and whatever webhooks subscriptions record of it.
 */
export async function seedConversation(
  server: TestServer,
  widgetId: string,
  contact?: { readonly name: string; readonly email: string },
  sessionBody: Record<string, unknown> = {},
): Promise<SeededConversation> {
  const session = await openSession(server, widgetId, { ...sessionBody, ...(contact === undefined ? {} : { contact }) });
  const texts = [unique('visitor-says'), unique('visitor-asks'), unique('agent-answers'), unique('agent-notes')];
  for (const [i, text] of texts.slice(0, 2).entries()) {
    const sent = await server.request('POST', `/v1/conversations/${session.conversationId}/messages`, {
      auth: session.token,
      body: { text, clientId: unique(`c${i}`) },
    });
    if (sent.status !== 201) throw new Error(`send failed: ${sent.body}`);
  }
  const uploaded = await server.request('POST', `/v1/conversations/${session.conversationId}/files?name=${unique('receipt')}.txt`, {
    auth: session.token,
    rawBody: `${unique('file-content')}\n`,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.body}`);
  const fileId = String(uploaded.json.message.payload.url).split('/files/')[1] ?? '';
  await server.services.botTurns.idle();
  const replied = await server.request('POST', `/v1/inbox/${session.conversationId}/messages`, { body: { text: texts[2] } });
  if (replied.status !== 201) throw new Error(`reply failed: ${replied.body}`);
  const noted = await server.request('POST', `/v1/inbox/${session.conversationId}/notes`, { body: { text: texts[3] } });
  if (noted.status !== 201) throw new Error(`note failed: ${noted.body}`);
  const resolved = await server.request('POST', `/v1/inbox/${session.conversationId}/resolve`, { body: {} });
  if (resolved.status !== 200) throw new Error(`resolve failed: ${resolved.body}`);
  await server.services.botTurns.idle();
  return { conversationId: session.conversationId, token: session.token, texts, fileId };
}

/** Waits until no webhook delivery is pending (the worker wrote every attempt), then lets the report recorder write. */
export async function settle(server: TestServer): Promise<void> {
  const { db } = server.services.database;
  for (let i = 0; i < 200; i++) {
    const pending = await db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').executeTakeFirst();
    if (pending === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await server.services.botTurns.idle();
  const flushed = await server.request('GET', '/v1/reports/summary?from=2026-01-01&to=2026-01-01');
  if (flushed.status !== 200) throw new Error(`report flush failed: ${flushed.body}`);
}
