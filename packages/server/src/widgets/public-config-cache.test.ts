import { describe, expect, it } from 'vitest';
import { mergeWidgetSettings } from '@parley/protocol';
import { MemoryBus } from '../bus/memory-bus.js';
import { BOTS_CHANNEL } from '../bots/bot-cache.js';
import { PublicConfigEntry } from './public-config.js';
import { PublicConfigCache, type PublicConfigCacheOptions } from './public-config-cache.js';

const quiet = { warn: () => undefined, error: () => undefined };

interface Row {
  readonly title: string;
  readonly blueprintId: string | null;
  readonly botId: string | null;
}

/** One database as every node sees it: `rows` is what a read returns now, `reads` counts reads per widget. */
function widgetsTable() {
  const rows = new Map<string, Row>();
  const reads = new Map<string, number>();
  /** While set, reads wait for it: a read "under way" while a change commits. */
  let gate: Promise<void> | undefined;
  const read = async (id: string): Promise<PublicConfigEntry> => {
    reads.set(id, (reads.get(id) ?? 0) + 1);
    const row = rows.get(id);
    await gate;
    if (row === undefined) throw new Error(`No widget has the id ${id}`);
    const settings = mergeWidgetSettings({}, { title: row.title, botId: row.botId });
    const body = Buffer.from(JSON.stringify({ id, title: row.title }));
    return new PublicConfigEntry(id, row.blueprintId, row.botId, settings, new Map([['en', { body, etag: `"${row.title}"` }]]));
  };
  const put = (id: string, title: string, links: Partial<Omit<Row, 'title'>> = {}) =>
    rows.set(id, { title, blueprintId: links.blueprintId ?? null, botId: links.botId ?? null });
  const hold = () => {
    let release = (): void => undefined;
    gate = new Promise((resolve) => (release = resolve));
    return () => {
      gate = undefined;
      release();
    };
  };
  return { rows, reads, read, put, hold };
}

type Table = ReturnType<typeof widgetsTable>;

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const title = (entry: PublicConfigEntry | undefined) => entry?.inLanguage('en').etag;

/** A cache that listens already, with `ids` loaded and kept. */
async function warmCache(db: Table, bus: MemoryBus, ids: readonly string[], options: PublicConfigCacheOptions = {}) {
  const cache = new PublicConfigCache(db.read, bus, quiet, options);
  await cache.load(ids[0] ?? 'wgt_none').catch(() => undefined);
  await settle(); // subscribed: from now on reads are kept
  for (const id of ids) await cache.load(id);
  for (const id of ids) expect(cache.peek(id), id).toBeDefined();
  return cache;
}

describe('PublicConfigCache', () => {
  it('keeps a config once it listens for changes, and serves it without reading again', async () => {
    const db = widgetsTable();
    db.put('wgt_a', 'A');
    const cache = new PublicConfigCache(db.read, new MemoryBus(quiet), quiet);
    await cache.load('wgt_a');
    expect(cache.peek('wgt_a')).toBeUndefined(); // read before it was listening: not kept
    await settle();
    await cache.load('wgt_a');
    for (let i = 0; i < 5; i++) expect(title(await cache.load('wgt_a'))).toBe('"A"');
    expect(title(cache.peek('wgt_a'))).toBe('"A"');
    expect(db.reads.get('wgt_a')).toBe(2);
  });

  it('drops a changed widget on its own node at once and on the other nodes through the bus, and no other widget', async () => {
    const db = widgetsTable();
    db.put('wgt_a', 'A');
    db.put('wgt_b', 'B');
    const bus = new MemoryBus(quiet);
    const here = await warmCache(db, bus, ['wgt_a', 'wgt_b']);
    const there = await warmCache(db, bus, ['wgt_a', 'wgt_b']);
    db.put('wgt_a', 'A2');
    await here.changed({ widgetId: 'wgt_a' });
    expect(here.peek('wgt_a')).toBeUndefined();
    await settle(); // the notice reached the other node
    expect(there.peek('wgt_a')).toBeUndefined();
    expect(title(await there.load('wgt_a'))).toBe('"A2"');
    expect(title(there.peek('wgt_b'))).toBe('"B"');
  });

  it('drops the widgets made from a changed blueprint, and only those', async () => {
    const db = widgetsTable();
    db.put('wgt_linked', 'L', { blueprintId: 'bp_1' });
    db.put('wgt_other', 'O', { blueprintId: 'bp_2' });
    db.put('wgt_plain', 'P');
    const bus = new MemoryBus(quiet);
    const cache = await warmCache(db, bus, ['wgt_linked', 'wgt_other', 'wgt_plain']);
    const other = await warmCache(db, bus, ['wgt_linked', 'wgt_other', 'wgt_plain']);
    await cache.changed({ blueprintId: 'bp_1' });
    await settle();
    for (const node of [cache, other]) {
      expect(node.peek('wgt_linked')).toBeUndefined();
      expect(node.peek('wgt_other')).toBeDefined();
      expect(node.peek('wgt_plain')).toBeDefined();
    }
  });

  it('drops the widgets of a bot whose edit or deletion is announced on the bots channel', async () => {
    const db = widgetsTable();
    db.put('wgt_bot', 'B', { botId: 'bot_1' });
    db.put('wgt_other', 'O', { botId: 'bot_2' });
    const bus = new MemoryBus(quiet);
    const cache = await warmCache(db, bus, ['wgt_bot', 'wgt_other']);
    await bus.publish(BOTS_CHANNEL, 'bot_1');
    await settle();
    expect(cache.peek('wgt_bot')).toBeUndefined();
    expect(cache.peek('wgt_other')).toBeDefined();
  });

  it('never keeps a read that was under way when a change was announced', async () => {
    const db = widgetsTable();
    db.put('wgt_a', 'A');
    db.put('wgt_bp', 'B', { blueprintId: 'bp_1' });
    const cache = await warmCache(db, new MemoryBus(quiet), ['wgt_a']);
    for (const change of [{ widgetId: 'wgt_a' }, { blueprintId: 'bp_1' }] as const) {
      const release = db.hold();
      const id = 'widgetId' in change ? 'wgt_a' : 'wgt_bp';
      await cache.changed({ widgetId: id }); // nothing kept
      const stale = cache.load(id); // reads the row before the change commits
      db.put(id, 'changed');
      await cache.changed(change);
      release();
      expect(title(await stale)).not.toBe('"changed"');
      expect(cache.peek(id), JSON.stringify(change)).toBeUndefined();
      expect(title(await cache.load(id))).toBe('"changed"');
    }
  });

  it('reads again after the TTL when a notice was missed, and does not keep an unknown widget', async () => {
    const db = widgetsTable();
    db.put('wgt_a', 'A');
    let now = 1_000;
    const cache = await warmCache(db, new MemoryBus(quiet), ['wgt_a'], { ttlMs: 30_000, now: () => now });
    db.put('wgt_a', 'A2'); // changed on a node whose notice was lost
    now += 29_999;
    expect(title(cache.peek('wgt_a'))).toBe('"A"');
    now += 1;
    expect(cache.peek('wgt_a')).toBeUndefined();
    expect(title(await cache.load('wgt_a'))).toBe('"A2"');
    await expect(cache.load('wgt_missing')).rejects.toThrow('No widget');
    await settle();
    expect(cache.peek('wgt_missing')).toBeUndefined();
    await expect(cache.load('wgt_missing')).rejects.toThrow('No widget');
    expect(db.reads.get('wgt_missing')).toBe(2);
  });

  it('forgets everything when the bus resynchronised, and keeps at most maxEntries widgets', async () => {
    const db = widgetsTable();
    for (const id of ['wgt_1', 'wgt_2', 'wgt_3']) db.put(id, id);
    const cache = await warmCache(db, new MemoryBus(quiet), ['wgt_1', 'wgt_2', 'wgt_3'], { maxEntries: 3 });
    cache.clear();
    for (const id of ['wgt_1', 'wgt_2', 'wgt_3']) expect(cache.peek(id)).toBeUndefined();
    db.put('wgt_4', 'wgt_4');
    for (const id of ['wgt_1', 'wgt_2', 'wgt_3', 'wgt_4']) await cache.load(id);
    expect(cache.peek('wgt_1')).toBeUndefined();
    for (const id of ['wgt_2', 'wgt_3', 'wgt_4']) expect(cache.peek(id)).toBeDefined();
  });
});
