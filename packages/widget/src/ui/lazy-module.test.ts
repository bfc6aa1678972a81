import { afterEach, describe, expect, it, vi } from 'vitest';
import { retried } from './lazy-module.js';

describe('retried', () => {
  afterEach(() => vi.useRealTimers());

  it('tries a failed import again after 1 s and then 3 s, and resolves with the first success', async () => {
    vi.useFakeTimers();
    const load = vi
      .fn()
      .mockRejectedValueOnce(new Error('chunk gone'))
      .mockRejectedValueOnce(new Error('chunk gone'))
      .mockResolvedValue('module');
    const result = retried(load);
    await vi.advanceTimersByTimeAsync(999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2999);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('module');
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('gives up after three tries with the last failure', async () => {
    vi.useFakeTimers();
    const load = vi.fn().mockRejectedValue(new Error('chunk gone'));
    const result = retried(load);
    const settled = expect(result).rejects.toThrow('chunk gone');
    await vi.advanceTimersByTimeAsync(10_000);
    await settled;
    expect(load).toHaveBeenCalledTimes(3);
  });
});
