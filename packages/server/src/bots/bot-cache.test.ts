import { describe, expect, it } from 'vitest';
import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { BotCache } from './bot-cache.js';
import type { StoredBot } from './bot-service.js';

const quiet = { warn: () => undefined, error: () => undefined };

/** A bots table of one node's view: `rows` is what a read returns now, `reads` counts the reads. */
function table() {
  const rows = new Map<string, StoredBot>();
  const state = { reads: 0, fail: false };
  const read = async (id: string): Promise<StoredBot | undefined> => {
    state.reads += 1;
    if (state.fail) throw new Error('database away');
    return rows.get(id);
  };
  const put = (id: string, name: string) => rows.set(id, { id, kind: 'builtin', name, config: {}, secrets: {} });
  return { rows, state, read, put };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('BotCache', () => {
  it('reads a bot once and serves the copy until the TTL has passed', async () => {
    const db = table();
    db.put('bot_1', 'first');
    let now = 1_000;
    const cache = new BotCache(db.read, new MemoryBus(quiet), quiet, 30_000, () => now);
    expect((await cache.load('bot_1'))?.name).toBe('first');
    db.put('bot_1', 'edited elsewhere, event lost');
    now += 29_999;
    expect((await cache.load('bot_1'))?.name).toBe('first');
    expect(db.state.reads).toBe(1);
    now += 1;
    expect((await cache.load('bot_1'))?.name).toBe('edited elsewhere, event lost');
    expect(db.state.reads).toBe(2);
  });

  it('drops an edited bot on its own node at once and on the other nodes through the bus', async () => {
    const db = table();
    db.put('bot_1', 'first');
    const bus: Bus = new MemoryBus(quiet);
    const here = new BotCache(db.read, bus, quiet);
    const there = new BotCache(db.read, bus, quiet);
    await here.load('bot_1');
    await there.load('bot_1');
    await settle(); // both subscribed
    db.put('bot_1', 'second');
    await here.changed('bot_1');
    await settle(); // the event reached the other node
    expect((await here.load('bot_1'))?.name).toBe('second');
    expect((await there.load('bot_1'))?.name).toBe('second');
    expect(db.state.reads).toBe(4);
  });

  it('shares one read between turns that ask at the same time, and keeps no failed read', async () => {
    const db = table();
    db.put('bot_1', 'first');
    const cache = new BotCache(db.read, new MemoryBus(quiet), quiet);
    db.state.fail = true;
    const both = [cache.load('bot_1'), cache.load('bot_1')];
    await expect(Promise.all(both)).rejects.toThrow('database away');
    expect(db.state.reads).toBe(1);
    db.state.fail = false;
    expect((await cache.load('bot_1'))?.name).toBe('first');
    expect(db.state.reads).toBe(2);
  });

  it('reads every bot again after clear (the bus reconnected and may have lost edits)', async () => {
    const db = table();
    db.put('bot_1', 'first');
    const cache = new BotCache(db.read, new MemoryBus(quiet), quiet);
    await cache.load('bot_1');
    db.put('bot_1', 'second');
    cache.clear();
    expect((await cache.load('bot_1'))?.name).toBe('second');
  });

  it('still answers when the edit cannot be announced (the bus is down)', async () => {
    const db = table();
    db.put('bot_1', 'first');
    const warnings: string[] = [];
    const log = { warn: (_: object, message: string) => warnings.push(message), error: () => undefined };
    const bus: Bus = {
      publish: () => Promise.reject(new Error('redis away')),
      subscribe: () => Promise.reject(new Error('redis away')),
      close: () => Promise.resolve(),
    };
    const cache = new BotCache(db.read, bus, log);
    await cache.load('bot_1');
    db.put('bot_1', 'second');
    await cache.changed('bot_1');
    expect((await cache.load('bot_1'))?.name).toBe('second');
    expect(warnings.some((line) => line.includes('bot changed'))).toBe(true);
  });
});
