import { describe, expect, it } from 'vitest';
import { decodeGapNotice, DroppedChannels, encodeGapNotices } from './dropped-channels.js';

describe('DroppedChannels', () => {
  it('remembers each channel once and hands them over once', () => {
    const dropped = new DroppedChannels(10);
    expect(dropped.empty).toBe(true);
    dropped.add('a');
    dropped.add('b');
    dropped.add('a');
    expect(dropped.take()).toEqual(new Set(['a', 'b']));
    expect(dropped.empty).toBe(true);
  });

  it('past its limit remembers only that there were too many, whatever is added after', () => {
    const dropped = new DroppedChannels(2);
    for (const channel of ['a', 'b', 'c', 'd']) dropped.add(channel);
    expect(dropped.take()).toBe('all');
    expect(dropped.empty).toBe(true);
  });

  it('takes back a notice that could not be sent, merged with what was dropped meanwhile', () => {
    const dropped = new DroppedChannels(3);
    dropped.add('a');
    const taken = dropped.take();
    dropped.add('b');
    dropped.giveBack(taken);
    expect(dropped.take()).toEqual(new Set(['b', 'a']));
    dropped.add('c');
    dropped.giveBack('all');
    expect(dropped.take()).toBe('all');
  });
});

describe('gap notices', () => {
  it('name every channel across notices of bounded size, and decode to the same channels', () => {
    const channels = new Set(Array.from({ length: 450 }, (_, i) => `parley:conv:${i}`));
    const bodies = encodeGapNotices(channels);
    expect(bodies).toHaveLength(3);
    const decoded = new Set<string>();
    for (const body of bodies) {
      const gap = decodeGapNotice(body);
      if (gap?.kind !== 'channels') throw new Error(`not a channel notice: ${body}`);
      for (const channel of gap.channels) decoded.add(channel);
    }
    expect(decoded).toEqual(channels);
  });

  it('say "all" when the channels were too many to name', () => {
    expect(encodeGapNotices('all').map(decodeGapNotice)).toEqual([{ kind: 'all' }]);
  });

  it('are ignored when they are not understood', () => {
    for (const body of ['', 'not json', '{}', '[]', '[1]', '"parley:conv:1"']) expect(decodeGapNotice(body)).toBeUndefined();
  });
});
