import type { BotTurnLimit } from '@parley/protocol';
import type { Counter, Limiter } from './limiter.js';

const DAY_MS = 86_400_000;

/** Which of a widget's caps on bot turns stopped a turn. */
export interface CapReached {
  readonly scope: 'conversation' | 'day';
  readonly limit: number;
}

/**
 * A widget's optional caps on bot turns (its `botTurnLimit` setting), counted by the shared Limiter: in
 * Redis across nodes when configured, else per node (and forgotten on restart). A conversation's count
 * and the day's share one window length, 24 hours from the first counted turn.
 */
export class BotTurnCap {
  constructor(private readonly limiter: Limiter) {}

  /** Counts the turn and answers null when it may run; else which cap is reached (nothing is counted). */
  async take(conversationId: string, widgetId: string, limit: BotTurnLimit): Promise<CapReached | null> {
    const conversation = limit.perConversation ?? null;
    const day = limit.perDay ?? null;
    const counters: { readonly counter: Counter; readonly reached: CapReached }[] = [];
    if (conversation !== null)
      counters.push({
        counter: { key: `botcap:conversation:${conversationId}`, limit: conversation, windowMs: DAY_MS },
        reached: { scope: 'conversation', limit: conversation },
      });
    if (day !== null)
      counters.push({ counter: { key: `botcap:widget:${widgetId}`, limit: day, windowMs: DAY_MS }, reached: { scope: 'day', limit: day } });
    if (counters.length === 0 || (await this.limiter.take(counters.map(({ counter }) => counter))) === 0) return null;
    for (const { counter, reached } of counters) if ((await this.limiter.peek([counter])) > 0) return reached;
    return counters[0]?.reached ?? null;
  }
}
