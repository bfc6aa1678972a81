import type { Message } from '@parley/protocol';

export interface BotContext {
  readonly conversationId: string;
  /** Oldest first, ending with the messages the bot should answer. */
  readonly history: readonly Message[];
  readonly language: string;
  readonly meta: Readonly<Record<string, string>>;
}

export type BotEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'quick_replies'; readonly text: string; readonly replies: readonly string[] }
  | { readonly type: 'handoff'; readonly reason: string };

/** A bot answers a conversation by yielding events; the engine stores them as messages. */
export interface BotConnector {
  reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent>;
}
