import type { CardPayload, FilePayload, FormPayload, Message } from '@parley/protocol';

export interface BotContact {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

/** A function the bot may call (OpenAI-compatible tools): from the bot's config and the widget's `tools` option. */
export interface BotTool {
  readonly name: string;
  readonly description?: string | undefined;
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  /** Where a call is POSTed (HTTPS). */
  readonly url: string;
}

export interface BotContext {
  readonly conversationId: string;
  /** Oldest first, ending with the messages the bot should answer. Agents' private notes are never included. */
  readonly history: readonly Message[];
  readonly language: string;
  /** The conversation's metadata as the page sent it (plus `language`, `app`, `widgetId`). */
  readonly meta: Readonly<Record<string, string>>;
  readonly contact: BotContact | null;
  /** The page the visitor is on, when the page said (`meta.pageUrl` or `meta.url`). */
  readonly pageUrl: string | null;
  /** The widget's `tools` option, for bots that can call tools. */
  readonly tools: readonly BotTool[];
  /**
   * True on the turn that opens a conversation of a widget with `startFirst`: the bot speaks first, so
   * `history` holds no visitor message (connectors send an empty input; a bot that stays silent lets the widget's greeting stand).
   */
  readonly start?: boolean;
}

/**
 * What a bot says. Text comes whole (`text`) or as `delta`s of one message closed by `end`; the
 * engine streams deltas to the visitor as they arrive and stores the whole text at `end` (or when
 * any other event, or the end of the reply, follows the deltas).
 */
export type BotEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'end' }
  | { readonly type: 'quick_replies'; readonly text: string; readonly replies: readonly string[]; readonly values?: readonly string[] }
  | { readonly type: 'card'; readonly card: CardPayload }
  | { readonly type: 'carousel'; readonly text: string; readonly cards: readonly CardPayload[] }
  | { readonly type: 'form'; readonly text: string; readonly form: FormPayload }
  | { readonly type: 'image'; readonly image: FilePayload }
  | { readonly type: 'file'; readonly file: FilePayload }
  /** The bot wants a human (or the visitor asked the bot for one): `reason` is free text for the log. */
  | { readonly type: 'handoff'; readonly reason: string; readonly byVisitor?: boolean };

/**
 * What of the context a connector reads. A turn runs for every visitor message, so it fetches no more
 * than that: decoding fifty stored messages for a bot that looks at the last one is most of a turn's cost.
 */
export interface ContextNeeds {
  /** How many of the latest messages `history` holds at most (default 50). */
  readonly historyWindow?: number;
  /** Whether `tools` should hold the widget's tools (default false: an empty list). */
  readonly widgetTools?: boolean;
}

/** A bot answers a conversation by yielding events; the engine stores them as messages. */
export interface BotConnector {
  readonly needs?: ContextNeeds;
  reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent>;
}

/**
 * An upstream failure. `retryable` is true only when nothing reached the visitor yet and repeating
 * the call is safe (connection refused, 502/503/504 before any output).
 */
export class BotError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'BotError';
  }
}
