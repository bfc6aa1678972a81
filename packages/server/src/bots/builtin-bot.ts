import * as v from 'valibot';
import { answeringRule, botKindSchemas, containsPhrase, normalisePhrase } from '@parley/protocol';
import type { BotConnector, BotContext, BotEvent, ContextNeeds } from './bot-connector.js';

type BuiltinConfig = v.InferOutput<typeof botKindSchemas.builtin.config>;

const DEFAULT_HANDOFF_PHRASES = ['human', 'agent', 'person', 'operator', 'talk to someone'];
/** Also the label of the engine's apology quick reply, so choosing that always reaches a human too. */
const DEFAULT_HANDOFF_LABEL = 'Talk to a human';

/**
 * The rule/FAQ bot that needs nothing outside Parley (its matching is the protocol's faq-rules.ts, which
 * the console's "test a question" box runs too): the first rule with a pattern contained in
 * the visitor's message answers — unless that match lies inside a longer match of another rule
 * ("open" inside "open source"); a handoff phrase asks for a human; otherwise the fallback (or, with
 * `echo`, the visitor's own words) answers.
 */
export class BuiltinBot implements BotConnector {
  // It answers the last visitor message; the engine's own look back (unanswered messages, apologies in
  // a row) needs a few more.
  readonly needs: ContextNeeds = { historyWindow: 10, widgetTools: false };
  private readonly config: BuiltinConfig;

  constructor(config: unknown) {
    this.config = v.parse(botKindSchemas.builtin.config, config);
  }

  async *reply(context: BotContext): AsyncIterable<BotEvent> {
    const last = [...context.history].reverse().find((m) => m.author.role === 'visitor');
    if (last === undefined) return;
    const said = normalisePhrase(last.text);
    // Choosing an offered handoff quick reply sends its label verbatim: that asks for a human whatever the phrases.
    const labels = [this.config.handoffLabel ?? DEFAULT_HANDOFF_LABEL, DEFAULT_HANDOFF_LABEL].map((label) => normalisePhrase(label).trim());
    const phrases = this.config.handoffPhrases ?? DEFAULT_HANDOFF_PHRASES;
    const handoff = labels.includes(said.trim()) || phrases.some((p) => containsPhrase(last.text, p));
    if (handoff) {
      yield { type: 'handoff', reason: 'visitor asked for a human', byVisitor: true };
      return;
    }
    const rule = this.config.rules?.[answeringRule(last.text, this.config.rules)];
    if (rule !== undefined) {
      yield rule.quickReplies === undefined || rule.quickReplies.length === 0
        ? { type: 'text', text: rule.answer }
        : { type: 'quick_replies', text: rule.answer, replies: rule.quickReplies };
      return;
    }
    if (this.config.fallback !== undefined && this.config.fallback !== '') {
      const label = this.config.handoffLabel ?? DEFAULT_HANDOFF_LABEL;
      yield { type: 'quick_replies', text: this.config.fallback, replies: [label] };
      return;
    }
    if (this.config.echo === true) yield { type: 'text', text: last.text };
  }
}
