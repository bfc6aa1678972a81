import { BotError, type BotEvent } from './bot-connector.js';

export interface RetryOptions {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly signal: AbortSignal;
  readonly onRetry?: (error: BotError, attempt: number) => void;
}

/**
 * Runs a bot reply, repeating it only when that is safe: the failure says so (connection refused,
 * 502–504) and nothing was yielded yet. A half-delivered answer is never replayed. Backoff is full
 * jitter, so many conversations hitting one recovering upstream do not retry in lockstep.
 */
export async function* withRetries(attempt: () => AsyncIterable<BotEvent>, options: RetryOptions): AsyncIterable<BotEvent> {
  for (let tries = 0; ; tries += 1) {
    let yielded = false;
    try {
      for await (const event of attempt()) {
        yielded = true;
        yield event;
      }
      return;
    } catch (error) {
      const retryable = error instanceof BotError && error.retryable && !yielded && tries < options.retries && !options.signal.aborted;
      if (!retryable) throw error;
      options.onRetry?.(error, tries + 1);
      await sleep(Math.random() * options.baseDelayMs * 2 ** tries, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BotError('timed out while waiting to retry'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
