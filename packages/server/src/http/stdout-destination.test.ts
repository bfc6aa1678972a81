import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdoutDestination } from './stdout-destination.js';

/** A stdout whose reader stopped: nothing leaves until `release()` lets everything queued through. */
function stalledOut(): { out: Writable; written: string[]; release(): void } {
  const written: string[] = [];
  const held: (() => void)[] = [];
  let released = false;
  const out = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      if (released) callback();
      else held.push(() => callback());
    },
  });
  return {
    out,
    written,
    release() {
      released = true;
      for (const callback of held.splice(0)) callback();
    },
  };
}

describe('StdoutDestination', () => {
  it('never waits for a stdout nobody reads: past its limit it drops lines, and says how many once stdout drains', async () => {
    const { out, written, release } = stalledOut();
    const destination = new StdoutDestination(out, 100);
    for (let i = 0; i < 50; i++) destination.write(`line ${String(i).padStart(4, '0')}\n`);
    const kept = out.writableLength;
    expect(kept).toBeGreaterThanOrEqual(100);
    expect(kept).toBeLessThan(150);
    release();
    await new Promise((done) => setImmediate(done));
    const last = written.at(-1) ?? '';
    const dropped = 50 - kept / 10;
    expect(JSON.parse(last)).toMatchObject({ level: 40, msg: `${dropped} log lines dropped: stdout was not read fast enough` });
    destination.write('after\n');
    expect(written.at(-1)).toBe('after\n');
  });

  it('keeps the process alive when the reader closed the pipe, and writes nothing more', () => {
    const { out, written } = stalledOut();
    const destination = new StdoutDestination(out);
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    destination.write('lost\n');
    expect(written).toEqual([]);
  });
});
