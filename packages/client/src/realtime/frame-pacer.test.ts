import { describe, expect, it } from 'vitest';
import { CLIENT_FRAME_BURST, CLIENT_FRAMES_PER_SECOND } from '@parley/protocol';
import { FramePacer } from './frame-pacer.js';

describe('frame pacer', () => {
  it('lets a burst below the server limit through at once, then paces below the sustained rate', () => {
    let now = 0;
    const pacer = new FramePacer(() => now);
    let immediate = 0;
    while (pacer.delay() === 0) immediate++;
    expect(immediate).toBeGreaterThan(20);
    expect(immediate).toBeLessThan(CLIENT_FRAME_BURST);
    let sent = 0;
    for (now = 0; now < 10_000; now += 10) if (pacer.delay() === 0) sent++;
    expect(sent / 10).toBeLessThan(CLIENT_FRAMES_PER_SECOND);
    expect(sent / 10).toBeGreaterThan(CLIENT_FRAMES_PER_SECOND / 2);
  });

  it('says how long to wait when the bucket is empty', () => {
    const pacer = new FramePacer(() => 0, 1, 10);
    expect(pacer.delay()).toBe(0);
    expect(pacer.delay()).toBe(100);
  });
});
