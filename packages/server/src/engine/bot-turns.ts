import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Author, Message, ServerFrame, WidgetSettings } from '@parley/protocol';
import type { BotService, StoredBot } from '../bots/bot-service.js';
import type { BotContact, BotContext, BotEvent, BotTool, ContextNeeds } from '../bots/bot-connector.js';
import { apologyMessage, choseHuman, handingOverMessage, isApology, turnLimitMessage } from '../bots/bot-apologies.js';
import type { BotTurnCap } from '../limits/bot-turn-cap.js';
import { botMessage, type BotMessage } from '../bots/bot-messages.js';
import { CircuitBreakers, type BreakerOptions } from '../bots/circuit-breaker.js';
import type { ConnectorFactory } from '../bots/connector-for.js';
import { pendingVisitorMessages } from '../bots/visitor-turn.js';
import { withRetries } from '../bots/with-retries.js';
import { conversationChannel, type Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import { readJson } from '../store/json.js';
import type { ConversationRow } from '../store/conversations-store.js';
import type { OwnerAtCommit } from '../store/message-writer.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { ConversationSignals } from './conversation-signals.js';
import { encodeEvent, originKey } from './conversation-events.js';
import { conversationLanguage } from './conversation-visitor.js';
import { noticeText } from './visitor-notices.js';
import { botTranslationSetting, textForBot } from '../translation/bot-translation.js';

/** A turn's one read of its conversation's widget settings; undefined when there is no widget service to ask. */
type WidgetRead = () => Promise<WidgetSettings | undefined>;

const BOT_TIMEOUT_MS = 15_000;
const HISTORY_WINDOW = 50;
const RETRIES = 2;
const RETRY_BASE_DELAY_MS = 250;
/** Failed turns in a row after which the bot stops apologising and asks for a human. */
const FAILURES_BEFORE_HANDOFF = 2;

export type HandoffReason = 'visitor_asked' | 'bot_asked' | 'bot_failed';

/** Who answers a conversation and what a handoff does are decided by conversation ownership; bot turns only ask. */
export interface BotTurnPorts {
  /**
   * False while a human owns the conversation (or it waits for one): the bot stays quiet. `lastSeq`:
   * the conversation's last seq from the turn's own read of it, so the port need not read the conversation
   * again; asked only when the bot answers (a turn that ends here has not read the conversation at all).
   */
  shouldBotAnswer(conversationId: string, lastSeq?: () => Promise<number | undefined>): Promise<boolean>;
  /**
   * True when shouldBotAnswer, asked now, would answer false with nothing to do first, judging by the
   * ownership a message's own transaction saw (no read). Optional: without it every turn asks shouldBotAnswer.
   */
  staysQuiet?(conversationId: string, atCommit: OwnerAtCommit): boolean;
  handoff(conversationId: string, reason: HandoffReason): Promise<void>;
}

/** Default ports until conversation ownership exists: the bot always answers; a handoff is recorded as an event message. */
export function defaultBotTurnPorts(engine: ConversationEngine): BotTurnPorts {
  return {
    shouldBotAnswer: () => Promise.resolve(true),
    async handoff(conversationId, reason) {
      const conversation = await engine.getConversation(conversationId);
      const notice = reason === 'bot_failed' ? 'handoff_bot_failed' : 'handoff_waiting';
      await engine.append({
        conversationId,
        author: { role: 'system', id: 'parley', name: 'Parley' },
        type: 'event',
        text: noticeText(notice, conversation === undefined ? 'en' : conversationLanguage(conversation, 'en')),
        payload: { event: 'handoff_requested', reason, notice },
      });
    },
  };
}

export interface BotTurnOptions {
  readonly bus: Bus;
  readonly db: Db;
  /** Used when the bot's config sets no `timeoutMs`. */
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryBaseDelayMs?: number;
  readonly breakers?: BreakerOptions;
  /** For the widget's `tools` option (bots that call tools see them). */
  readonly widgets?: Pick<WidgetService, 'settings'>;
  /** Shows the bot as typing while it works. */
  readonly signals?: Pick<ConversationSignals, 'typing'>;
  /** The widget's `botTurnLimit` caps (absent: no caps are counted). */
  readonly turnCap?: BotTurnCap;
  /** Leaves a private note for agents (why the bot stayed quiet). */
  readonly note?: (conversationId: string, author: Author, text: string) => Promise<unknown>;
}

/** Sees a turn as it happens (the n8n-compatible endpoint answers its HTTP request from it). */
export interface TurnObserver {
  delta?(text: string): void;
  /** A stored bot message; `streamed` when it is the whole text of the deltas just seen. */
  message?(message: Message, streamed: boolean): void;
  /** The deltas just seen were cut by a failure and will not be stored; an apology follows. */
  streamDropped?(): void;
}

/**
 * Lets a conversation's bot answer: streams its text to the conversation as it arrives, stores each
 * message, and survives the bot. A failing or slow bot leaves an apology with a "Talk to a human"
 * quick reply (after repeated failures, a handoff) — never silence; the reason goes to the log only.
 */
export class BotTurns {
  private readonly turns = new Set<Promise<unknown>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /**
   * While a conversation's turns queue up: the last visitor seq its previous turn saw. The bot's answer
   * is stored after visitor messages that arrived during the turn; those are still unanswered.
   */
  private readonly answeredThrough = new Map<string, number>();
  private readonly breakers: CircuitBreakers;
  private readonly connectors = new WeakMap<StoredBot, ReturnType<ConnectorFactory>>();

  constructor(
    private readonly engine: ConversationEngine,
    private readonly bots: BotService,
    private readonly connectorFor: ConnectorFactory,
    private readonly log: FastifyBaseLogger,
    private readonly ports: BotTurnPorts,
    private readonly options: BotTurnOptions,
  ) {
    this.breakers = new CircuitBreakers(options.breakers);
  }

  /** Starts a bot turn after the visitor's message was acknowledged; shutdown waits for it (idle). */
  /**
   * `ownerAtCommit`: the ownership the visitor's message was stored under. When a human owned the conversation
   * then and no turn is queued before this one, the turn would end at its ownership check: it is not started
   * (every visitor message of a chat with an agent; the read and the turn's scaffolding cost more than storing
   * the message's statements). The owner at the message's commit decides, as it does for a handback that comes
   * later: a handback does not give the bot the messages sent before it.
   */
  startBotTurn(conversationId: string, botId: string, language: string, ownerAtCommit?: OwnerAtCommit): void {
    if (
      ownerAtCommit !== undefined &&
      !this.queues.has(conversationId) &&
      this.ports.staysQuiet?.(conversationId, ownerAtCommit) === true
    ) {
      return;
    }
    // One turn at a time per conversation: two quick visitor messages get one answer each, never two answers to both.
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const turn: Promise<unknown> = previous
      // After this turn of the event loop: the message's ack and its delivery to the other side go out
      // first, instead of waiting behind the turn's reads (the socket writes leave once those finish).
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => this.queuedTurn(conversationId, botId, language))
      .catch((error: unknown) => this.log.error({ err: error, conversationId }, 'bot turn failed'))
      .finally(() => {
        this.turns.delete(turn);
        if (this.queues.get(conversationId) !== turn) return;
        this.queues.delete(conversationId);
        this.answeredThrough.delete(conversationId);
      });
    this.queues.set(conversationId, turn);
    this.turns.add(turn);
  }

  async idle(): Promise<void> {
    while (this.turns.size > 0) await Promise.allSettled([...this.turns]);
  }

  private async queuedTurn(conversationId: string, botId: string, language: string): Promise<void> {
    const { seenThrough } = await this.turn(conversationId, botId, language, {}, this.answeredThrough.get(conversationId));
    if (seenThrough !== undefined) this.answeredThrough.set(conversationId, seenThrough);
  }

  /** Runs one bot turn now and returns the messages it stored. */
  async runBot(conversationId: string, botId: string, language: string, observer: TurnObserver = {}): Promise<Message[]> {
    return (await this.turn(conversationId, botId, language, observer, undefined)).stored;
  }

  /** The turn that opens a `startFirst` conversation: the bot is called with no visitor message and speaks first. */
  async startConversation(conversationId: string, botId: string, language: string): Promise<Message[]> {
    return (await this.turn(conversationId, botId, language, {}, undefined, true)).stored;
  }

  /** `seenThrough`: the last visitor seq the bot was shown (undefined when it was not called). */
  private async turn(
    conversationId: string,
    botId: string,
    language: string,
    observer: TurnObserver,
    answeredThrough: number | undefined,
    start = false,
  ): Promise<{ stored: Message[]; seenThrough?: number | undefined }> {
    // Ownership first: while a human owns the conversation (every visitor message of a chat with an agent)
    // the turn ends on the ownership read alone; the conversation is read once, when the bot answers.
    let conversationRead: Promise<ConversationRow | undefined> | undefined;
    const readConversation = (): Promise<ConversationRow | undefined> => (conversationRead ??= this.engine.getConversation(conversationId));
    if (!(await this.ports.shouldBotAnswer(conversationId, async () => (await readConversation())?.last_seq))) return { stored: [] };
    // Independent reads go together: every await before the upstream call adds to the visitor's wait for the first word.
    const [conversation, bot] = await Promise.all([readConversation(), this.bots.load(botId)]);
    const connector = bot === undefined ? null : this.connect(bot);
    if (bot === undefined || connector === null) {
      this.log.warn({ conversationId, botId, kind: bot?.kind }, 'no connector for this bot; the visitor gets no bot answer');
      return { stored: [] };
    }
    const widget = this.widgetOnce(conversation);
    const found = await this.context(conversationId, conversation, language, answeredThrough, connector.needs ?? {}, widget);
    const context = start ? { ...found, start } : found;
    // Nothing new from the visitor (an earlier turn already answered it): nothing to say, unless the bot speaks first.
    const said = pendingVisitorMessages(context.history).at(-1);
    if (said === undefined && !start) return { stored: [] };
    const seenThrough = said?.seq;
    if (said !== undefined && choseHuman(said.text)) {
      await this.ports.handoff(conversationId, 'visitor_asked');
      return { stored: [], seenThrough };
    }
    const author: Author = { role: 'bot', id: bot.id, name: bot.name };
    // Read while the bot works: by its first words the answer is known, so it costs the visitor no wait.
    const turn = new Turn(this, conversationId, author, observer, this.streamsToVisitor(widget));
    if (await this.overCap(turn, conversation?.widget_id, widget, context)) return { stored: turn.stored, seenThrough };
    const breaker = this.breakers.for(bot.id);
    if (!breaker.tryAcquire()) {
      this.log.warn({ conversationId, botId, kind: bot.kind }, 'the bot failed repeatedly; its circuit is open, so it is not called');
      await this.failed(turn, context);
      return { stored: turn.stored, seenThrough };
    }
    // The built-in bot answers at once: a typing flash would only cost frames.
    if (bot.kind !== 'builtin') turn.showTyping();
    // A timer cleared when the turn ends, not AbortSignal.timeout: that one would still fire (and build
    // its TimeoutError) 15 s after every turn, long after the bot answered.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('the bot did not answer in time', 'TimeoutError')),
      timeoutOf(bot) ?? this.options.timeoutMs ?? BOT_TIMEOUT_MS,
    );
    const signal = deadline.signal;
    try {
      const asked = await this.inBotLanguage(context, bot, widget);
      const events = withRetries(() => connector.reply(asked, signal), {
        retries: this.options.retries ?? RETRIES,
        baseDelayMs: this.options.retryBaseDelayMs ?? RETRY_BASE_DELAY_MS,
        signal,
        onRetry: (error, attempt) => this.log.warn({ conversationId, botId, attempt, reason: error.message }, 'retrying the bot'),
      });
      for await (const event of events) await turn.handle(event);
      await turn.closeStream();
      breaker.success();
    } catch (error) {
      breaker.failure();
      const reason = error instanceof Error ? error.message : String(error);
      this.log.warn({ conversationId, botId, kind: bot.kind, reason, breaker: breaker.state }, 'the bot failed to answer');
      await turn.dropStream();
      await this.failed(turn, context);
    } finally {
      clearTimeout(timer);
      await turn.hideTyping();
    }
    return { stored: turn.stored, seenThrough };
  }

  /**
   * A bot that receives translations (its config.translation) reads the visitor's messages in its own language,
   * the widget's by default, and is asked to answer in it; its answers are translated for the visitor on the way out.
   */
  private async inBotLanguage(context: BotContext, bot: StoredBot, widget: WidgetRead): Promise<BotContext> {
    const setting = botTranslationSetting(bot.config);
    if (setting.receives !== 'translation') return context;
    const language = setting.language ?? (await widget().catch(() => undefined))?.language;
    if (language === undefined) return context;
    return { ...context, language, history: context.history.map((message) => textForBot(message, language)) };
  }

  /** The widget's `stream` option: when off, visitors get each reply whole (no stream frames), however the bot sends it. */
  private async streamsToVisitor(widget: WidgetRead): Promise<boolean> {
    try {
      return (await widget())?.stream ?? true;
    } catch {
      // A widget deleted mid-conversation: its bot still answers, streamed as by default.
      return true;
    }
  }

  /** @internal for Turn. Best effort: a typing indicator that fails to show must not cost the visitor the answer. */
  async typing(conversationId: string, author: Author, active: boolean): Promise<void> {
    try {
      await this.options.signals?.typing(conversationId, author, active);
    } catch (error) {
      this.log.warn({ err: error, conversationId }, 'could not show the bot typing');
    }
  }

  /**
   * A stored config the connector refuses (written before a schema change) is a bot without a connector,
   * not a crash. Connectors keep nothing between replies, so one serves every turn of the same loaded
   * bot (BotService keeps it until the bot is edited) and its config is validated once.
   */
  private connect(bot: StoredBot): ReturnType<ConnectorFactory> {
    const known = this.connectors.get(bot);
    if (known !== undefined) return known;
    let connector: ReturnType<ConnectorFactory>;
    try {
      connector = this.connectorFor(bot);
    } catch (error) {
      this.log.error({ err: error, botId: bot.id, kind: bot.kind }, 'the bot configuration is invalid');
      connector = null;
    }
    this.connectors.set(bot, connector);
    return connector;
  }

  /**
   * The widget's cap on bot turns (botTurnLimit) is reached: the bot is not called; the visitor is told
   * politely, with "Talk to a human" (that path stays open: it is checked before this), and agents get a
   * private note saying why, once per run of capped turns.
   */
  private async overCap(turn: Turn, widgetId: string | undefined, widget: WidgetRead, context: BotContext): Promise<boolean> {
    const cap = this.options.turnCap;
    if (cap === undefined || widgetId === undefined) return false;
    const limit = (await widget().catch(() => undefined))?.botTurnLimit;
    if (limit === undefined) return false;
    const reached = await cap.take(turn.conversationId, widgetId, limit);
    if (reached === null) return false;
    const told = turnLimitMessage(context.language);
    const toldBefore = context.history.some((message) => message.author.role === 'bot' && message.text === told.text);
    await turn.store(told);
    if (!toldBefore) {
      const why =
        reached.scope === 'conversation'
          ? `The bot did not answer: this conversation reached the widget's cap of ${reached.limit} bot turns (botTurnLimit.perConversation).`
          : `The bot did not answer: the widget reached its cap of ${reached.limit} bot turns in 24 hours (botTurnLimit.perDay).`;
      await this.options.note?.(turn.conversationId, { role: 'system', id: 'parley', name: 'Parley' }, why);
    }
    return true;
  }

  /** An apology, or after repeated failures in this conversation, a handoff: the visitor is never left waiting. */
  private async failed(turn: Turn, context: BotContext): Promise<void> {
    let failuresInARow = 1;
    for (const message of [...context.history].reverse()) {
      if (message.author.role === 'visitor') continue;
      if (message.author.role !== 'bot' || !isApology(message.text)) break;
      failuresInARow += 1;
    }
    if (failuresInARow < FAILURES_BEFORE_HANDOFF) {
      await turn.store(apologyMessage(context.language));
      return;
    }
    await turn.store(handingOverMessage(context.language));
    await this.ports.handoff(turn.conversationId, 'bot_failed');
  }

  /**
   * The window of history the bot sees. Visitor messages after `answeredThrough` were not answered
   * yet even when a bot message follows them (it answered the earlier ones): they go last, so the bot
   * answers them now, as a bot that had been fast enough would have.
   */
  private async context(
    conversationId: string,
    conversation: ConversationRow | undefined,
    language: string,
    answeredThrough: number | undefined,
    needs: ContextNeeds,
    widget: WidgetRead,
  ): Promise<BotContext> {
    const window = Math.min(HISTORY_WINDOW, needs.historyWindow ?? HISTORY_WINDOW);
    const after = Math.max(0, (conversation?.last_seq ?? 0) - window);
    const [messages, contact, tools] = await Promise.all([
      this.engine.messagesAfter(conversationId, after, window),
      conversation?.contact_id == null ? null : this.contact(conversation.contact_id),
      conversation === undefined || needs.widgetTools !== true ? [] : this.widgetTools(conversation.widget_id, widget),
    ]);
    // Agents' private notes never reach a bot (an upstream may log or train on what it receives).
    const seen = messages.filter((m) => String(m.type) !== 'note');
    const unanswered = (m: Message): boolean => answeredThrough !== undefined && m.author.role === 'visitor' && m.seq > answeredThrough;
    const history = [...seen.filter((m) => !unanswered(m)), ...seen.filter(unanswered)];
    const meta = readJson<Record<string, string>>(conversation?.meta ?? '{}');
    return {
      conversationId,
      history,
      language,
      meta,
      contact,
      pageUrl: meta['pageUrl'] ?? meta['url'] ?? null,
      tools,
    };
  }

  /** The conversation's widget settings, read on first use and then shared by the turn (its tools, its `stream` option). */
  private widgetOnce(conversation: ConversationRow | undefined): WidgetRead {
    const widgets = this.options.widgets;
    if (conversation === undefined || widgets === undefined) return async () => undefined;
    let read: Promise<WidgetSettings> | undefined;
    return () => (read ??= widgets.settings(conversation.widget_id));
  }

  private async widgetTools(widgetId: string, widget: WidgetRead): Promise<readonly BotTool[]> {
    try {
      const effective = await widget();
      return Array.isArray(effective?.tools) ? effective.tools : [];
    } catch (error) {
      // A widget deleted mid-conversation: its bot still answers, without the widget's tools.
      this.log.warn({ err: error, widgetId }, 'could not read the widget tools');
      return [];
    }
  }

  private async contact(id: string): Promise<BotContact | null> {
    const row = await this.options.db
      .selectFrom('contacts')
      .select(['id', 'name', 'email', 'phone'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  /** @internal for Turn */
  async append(conversationId: string, author: Author, message: BotMessage): Promise<Message> {
    return (await this.engine.append({ conversationId, author, ...message })).message;
  }

  /** @internal for Turn: best effort like every live event; the stored message is what counts. */
  async publish(conversationId: string, author: Author, frame: ServerFrame): Promise<void> {
    try {
      await this.options.bus.publish(conversationChannel(conversationId), encodeEvent(frame, originKey(author)));
    } catch (error) {
      this.log.warn({ err: error, conversationId }, 'could not publish a stream frame');
    }
  }

  /** @internal for Turn */
  async handoff(conversationId: string, reason: HandoffReason): Promise<void> {
    await this.ports.handoff(conversationId, reason);
  }
}

/** One bot turn: the open stream (if any) and what was stored. */
class Turn {
  readonly stored: Message[] = [];
  /** `shown`: its deltas go to visitors (the widget's `stream` option); otherwise only the stored whole reply does. */
  private stream: { readonly id: string; readonly shown: boolean; text: string } | null = null;
  private typing: Promise<void> | null = null;

  constructor(
    private readonly turns: BotTurns,
    readonly conversationId: string,
    private readonly author: Author,
    private readonly observer: TurnObserver,
    private readonly streams: Promise<boolean>,
  ) {}

  async handle(event: BotEvent): Promise<void> {
    switch (event.type) {
      case 'delta': {
        if (event.text === '') return;
        this.stream ??= { id: `str_${randomUUID()}`, shown: await this.streams, text: '' };
        const offset = this.stream.text.length;
        this.stream.text += event.text;
        this.observer.delta?.(event.text);
        // Not streamed to visitors: the bot keeps showing as typing until the whole reply is stored.
        if (!this.stream.shown) return;
        await this.turns.publish(this.conversationId, this.author, {
          type: 'stream_delta',
          streamId: this.stream.id,
          author: this.author,
          delta: event.text,
          offset,
        });
        // After the first words went out, not before: the indicator must not delay them.
        await this.hideTyping();
        return;
      }
      case 'end':
        return this.closeStream();
      case 'handoff':
        await this.closeStream();
        return this.turns.handoff(this.conversationId, event.byVisitor === true ? 'visitor_asked' : 'bot_asked');
      default:
        await this.closeStream();
        await this.store(botMessage(event));
    }
  }

  async store(message: BotMessage, streamed = false): Promise<Message> {
    await this.hideTyping();
    const stored = await this.turns.append(this.conversationId, this.author, message);
    this.stored.push(stored);
    this.observer.message?.(stored, streamed);
    return stored;
  }

  /** The bot shows as typing until its first words reach the visitor. */
  /** Not awaited: the upstream call starts at once; hiding waits for the showing, so the two frames keep their order. */
  showTyping(): void {
    this.typing = this.turns.typing(this.conversationId, this.author, true);
  }

  async hideTyping(): Promise<void> {
    const shown = this.typing;
    if (shown === null) return;
    this.typing = null;
    await shown;
    await this.turns.typing(this.conversationId, this.author, false);
  }

  /** Stores the streamed text as one message, then tells clients which message replaced the stream. */
  async closeStream(): Promise<void> {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    const stored = stream.text.trim() === '' ? null : await this.store({ type: 'text', text: stream.text, payload: null }, true);
    if (!stream.shown) return;
    await this.turns.publish(this.conversationId, this.author, { type: 'stream_end', streamId: stream.id, messageId: stored?.id ?? null });
  }

  /** A stream cut by a failure is not an answer: clients drop it (`messageId: null`) and the apology follows. */
  async dropStream(): Promise<void> {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    this.observer.streamDropped?.();
    if (!stream.shown) return;
    await this.turns.publish(this.conversationId, this.author, { type: 'stream_end', streamId: stream.id, messageId: null });
  }
}

function timeoutOf(bot: StoredBot): number | undefined {
  const value = bot.config['timeoutMs'];
  return typeof value === 'number' ? value : undefined;
}
