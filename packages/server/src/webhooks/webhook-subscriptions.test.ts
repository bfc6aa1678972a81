import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { openDatabase, type OpenDatabase } from '../store/database.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';

const quiet = { warn: () => undefined, error: () => undefined };

/**
 * The in-memory view the message hot path asks on every append: a question it cannot answer (no view
 * yet) sends the message through the slower portable path, so the view keeps answering while it is read again.
 */
describe('the subscriptions view', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-webhook-view-'));
  let database: OpenDatabase;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'sqlite', file: join(dir, 'view.db'), synchronous: 'normal' });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from its last read once the TTL has passed, while it reads the subscriptions again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const subscriptions = new WebhookSubscriptions(database.db, new MemoryBus(quiet), quiet, { allowPrivate: true });
    const { subscribed } = subscriptions;
    // Not loaded: "maybe", so the caller asks the database (and the question starts the read).
    expect(subscribed.any()).toBe(true);
    await subscriptions.listen();
    expect(subscribed.any()).toBe(false);
    await subscriptions.create({ url: 'http://127.0.0.1:9/hook', events: ['message.created'] });
    await vi.waitUntil(() => !subscribed.wants('contact.created', undefined, false));
    expect(subscribed.wants('message.created', 'wgt_any', false)).toBe(true);
    expect(subscribed.wants('message.created', 'wgt_any', true)).toBe(false);

    vi.setSystemTime(Date.now() + 60_001);
    // Past the TTL: the last view still answers (no "maybe") while the read runs.
    expect(subscribed.wants('contact.created', undefined, false)).toBe(false);
    expect(subscribed.any()).toBe(true);
    await subscriptions.create({ url: 'http://127.0.0.1:9/contacts', events: ['contact.created'] });
    await vi.waitUntil(() => subscribed.wants('contact.created', undefined, false));
  });
});
