import type { FastifyBaseLogger } from 'fastify';
import type { Author, MessageTranslation, MessageType } from '@parley/protocol';
import type { BotService } from '../bots/bot-service.js';
import type { Db } from '../store/database.js';
import type { WidgetService } from '../widgets/widget-service.js';
import { botTranslationSetting } from './bot-translation.js';
import { baseLanguage } from './language-name.js';
import type { MessageTranslator } from './message-translator.js';
import { translationStore, type TranslationFacts } from './translation-store.js';

/** What the engine asks before it writes a message (ConversationEngine.translation). */
export interface MessageTranslations {
  /** The translation to store with the message, or undefined when none is due. Never throws; never takes longer than its timeout. */
  translationFor(input: TranslationInput): Promise<MessageTranslation | undefined>;
}

export interface TranslationInput {
  readonly conversationId: string;
  readonly author: Author;
  readonly type: MessageType;
  readonly text: string;
}

/** No translator configured: nothing is read, nothing waits. */
export const NO_TRANSLATION: MessageTranslations = { translationFor: () => Promise.resolve(undefined) };

interface Plan {
  readonly from: string;
  readonly to: string;
}

/**
 * Live translation on the way through (docs/translation.md). Who reads a message decides its target language:
 * - a visitor's message: the language of the agent the conversation is assigned to (while a human has it), or,
 *   while the bot has it, the bot's language when that bot receives translations;
 * - an agent's message: from the agent's language into the visitor's;
 * - a bot's message (a bot that receives translations): from the bot's language into the visitor's.
 * The visitor's language is the conversation's (what the widget sent when it started), else the widget's.
 * The translation is made before the message is written, outside any transaction, bounded by the timeout; a
 * failure (timeout, HTTP error, refused address) stores the original with `failed`, so nothing is lost.
 */
export class LiveTranslation implements MessageTranslations {
  constructor(
    private readonly db: Db,
    private readonly translator: MessageTranslator,
    private readonly bots: Pick<BotService, 'load'>,
    private readonly widgets: Pick<WidgetService, 'settings'>,
    private readonly log: FastifyBaseLogger,
    private readonly timeoutMs: number,
  ) {}

  async translationFor(input: TranslationInput): Promise<MessageTranslation | undefined> {
    if (input.type !== 'text' || input.text.trim() === '') return undefined;
    let plan: Plan | undefined;
    try {
      plan = await this.plan(input);
    } catch (error) {
      // The reads failed (the write that follows will likely say why): the message goes as written, unmarked.
      this.log.warn({ err: error, conversationId: input.conversationId }, 'could not decide a translation; the original is sent');
      return undefined;
    }
    if (plan === undefined || baseLanguage(plan.from) === baseLanguage(plan.to)) return undefined;
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // A race, not only the signal: a translator that ignores its signal still cannot hold the message.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new DOMException('the translator did not answer in time', 'TimeoutError');
        deadline.abort(error);
        reject(error);
      }, this.timeoutMs);
    });
    try {
      const text = await Promise.race([this.translator.translateMessage(input.text, plan.from, plan.to, deadline.signal), timeout]);
      return { from: plan.from, to: plan.to, text };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log.warn(
        { conversationId: input.conversationId, from: plan.from, to: plan.to, reason },
        'translation failed; the original is sent, marked',
      );
      return { from: plan.from, to: plan.to, failed: true };
    } finally {
      clearTimeout(timer);
    }
  }

  private async plan(input: TranslationInput): Promise<Plan | undefined> {
    const role = input.author.role;
    if (role === 'system') return undefined;
    const facts = await translationStore.facts(this.db, input.conversationId);
    if (facts === undefined) return undefined;
    // One read of the widget per message however many of its settings the plan needs (language, bot).
    const widget = memo(async () => this.widgets.settings(facts.widgetId));
    const widgetLanguage = async () => (await widget()).language;
    const visitor = metaLanguage(facts) ?? (await widgetLanguage());
    if (role === 'agent') {
      // Usually the assignee, whose language the facts' read brought along; another agent's is one more read.
      const agent =
        input.author.id === facts.assigneeId ? facts.assigneeLanguage : await translationStore.agentLanguage(this.db, input.author.id);
      return agent === null ? undefined : { from: agent, to: visitor };
    }
    if (role === 'bot') {
      const botLanguage = await this.botLanguage(input.author.id, widgetLanguage);
      return botLanguage === undefined ? undefined : { from: botLanguage, to: visitor };
    }
    // The visitor: to the assigned agent while a human has the conversation, else to the bot that asks for it.
    if (facts.owner !== null && facts.owner !== 'bot') {
      return facts.assigneeLanguage === null ? undefined : { from: visitor, to: facts.assigneeLanguage };
    }
    const botId = (await widget()).botId;
    if (botId === null) return undefined;
    const botLanguage = await this.botLanguage(botId, widgetLanguage);
    return botLanguage === undefined ? undefined : { from: visitor, to: botLanguage };
  }

  /** The language of a bot that receives translations; undefined for one that receives originals. */
  private async botLanguage(botId: string, widgetLanguage: () => Promise<string>): Promise<string | undefined> {
    const bot = await this.bots.load(botId);
    if (bot === undefined) return undefined;
    const setting = botTranslationSetting(bot.config);
    if (setting.receives !== 'translation') return undefined;
    return setting.language ?? (await widgetLanguage());
  }
}

function metaLanguage(facts: TranslationFacts): string | undefined {
  const meta: unknown = JSON.parse(facts.meta);
  return typeof meta === 'object' && meta !== null && 'language' in meta && typeof meta.language === 'string' ? meta.language : undefined;
}

function memo<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= read());
}
