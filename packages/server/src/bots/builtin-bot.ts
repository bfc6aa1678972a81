import * as v from 'valibot';
import { botKindSchemas } from '@parley/protocol';
import type { BotConnector, BotContext, BotEvent, ContextNeeds } from './bot-connector.js';

type BuiltinConfig = v.InferOutput<typeof botKindSchemas.builtin.config>;

const DEFAULT_HANDOFF_PHRASES = ['human', 'agent', 'person', 'operator', 'talk to someone'];
/** Also the label of the engine's apology quick reply, so choosing that always reaches a human too. */
const DEFAULT_HANDOFF_LABEL = 'Talk to a human';

/**
 * The rule/FAQ bot that needs nothing outside Parley: the first rule with a pattern contained in
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
    const said = normalise(last.text);
    // Choosing an offered handoff quick reply sends its label verbatim: that asks for a human whatever the phrases.
    const labels = [this.config.handoffLabel ?? DEFAULT_HANDOFF_LABEL, DEFAULT_HANDOFF_LABEL].map((label) => normalise(label).trim());
    const phrases = this.config.handoffPhrases ?? DEFAULT_HANDOFF_PHRASES;
    const handoff = labels.includes(said.trim()) || phrases.some((p) => containsPhrase(said, p));
    if (handoff) {
      yield { type: 'handoff', reason: 'visitor asked for a human', byVisitor: true };
      return;
    }
    const rule = this.config.rules?.[answeringRule(said, this.config.rules)];
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

const COMBINING_ACCENT = /(?=\p{M})(?![\u3099\u309A])\p{Diacritic}/gu;

/**
 * Lower case without accents, so "Résumé" matches "resume". Only combining accents go: spacing
 * marks such as the Japanese long-vowel mark (メール) and the kana voicing marks (ガ) change the word.
 */
function normalise(text: string): string {
  return text.normalize('NFD').replace(COMBINING_ACCENT, '').normalize('NFC').toLowerCase();
}

const SPACED_SCRIPT = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\d\s'-]+$/u;

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The index of the rule that answers, or -1. Rules are tried in order, but a match that lies inside a
 * longer match of another rule does not count: "is it open source?" is about the licence, not about
 * the opening hours, even though the hours rule lists "open" first.
 */
function answeringRule(said: string, rules: BuiltinConfig['rules']): number {
  const matches = (rules ?? []).flatMap((rule, index) =>
    rule.patterns.flatMap((p) => phraseSpans(said, p).map((span) => ({ index, span }))),
  );
  const standing = matches.filter(
    (m) =>
      !matches.some(
        (o) => o.index !== m.index && length(o.span) > length(m.span) && o.span.start <= m.span.start && o.span.end >= m.span.end,
      ),
  );
  return standing.length === 0 ? -1 : Math.min(...standing.map((m) => m.index));
}

const length = (span: Span): number => span.end - span.start;

function containsPhrase(normalisedText: string, phrase: string): boolean {
  return phraseSpans(normalisedText, phrase).length > 0;
}

/**
 * Where a phrase occurs: whole words for languages written with spaces ("agent" must not match
 * "agenda"); plain containment for scripts without word spaces (Japanese, Chinese, Thai…).
 */
function phraseSpans(normalisedText: string, phrase: string): Span[] {
  const wanted = normalise(phrase).trim();
  if (wanted === '') return [];
  if (!SPACED_SCRIPT.test(wanted)) {
    const spans: Span[] = [];
    for (let at = normalisedText.indexOf(wanted); at !== -1; at = normalisedText.indexOf(wanted, at + 1))
      spans.push({ start: at, end: at + wanted.length });
    return spans;
  }
  const escaped = wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu');
  return [...normalisedText.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}
