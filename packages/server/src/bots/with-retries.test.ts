import { describe, expect, it } from 'vitest';
import { BotError, type BotEvent } from './bot-connector.js';
import { withRetries } from './with-retries.js';

async function run(attempt: () => AsyncIterable<BotEvent>, retries = 3): Promise<BotEvent[]> {
  const events: BotEvent[] = [];
  for await (const event of withRetries(attempt, { retries, baseDelayMs: 1, signal: AbortSignal.timeout(5000) })) events.push(event);
  return events;
}

describe('withRetries', () => {
  it('repeats a retryable failure that happened before any output, up to the limit', async () => {
    let calls = 0;
    const events = await run(async function* () {
      calls += 1;
      if (calls < 3) throw new BotError('503', true);
      yield { type: 'text', text: 'ok' };
    });
    expect(events).toEqual([{ type: 'text', text: 'ok' }]);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      run(async function* () {
        calls += 1;
        yield* [];
        throw new BotError('503', true);
      }, 2),
    ).rejects.toThrow('503');
    expect(calls).toBe(3);
  });

  it('never replays an answer that already started', async () => {
    let calls = 0;
    const seen: BotEvent[] = [];
    await expect(
      (async () => {
        for await (const event of withRetries(
          async function* () {
            calls += 1;
            yield { type: 'delta', text: 'Hel' };
            throw new BotError('connection reset', true);
          },
          { retries: 3, baseDelayMs: 1, signal: AbortSignal.timeout(5000) },
        ))
          seen.push(event);
      })(),
    ).rejects.toThrow('connection reset');
    expect(calls).toBe(1);
    expect(seen).toEqual([{ type: 'delta', text: 'Hel' }]);
  });

  it('does not repeat failures that are not safe to repeat', async () => {
    let calls = 0;
    await expect(
      run(async function* () {
        calls += 1;
        yield* [];
        throw new BotError('HTTP 500');
      }),
    ).rejects.toThrow('HTTP 500');
    expect(calls).toBe(1);
  });
});
