/**
 * How the built-in bot picks its answer, shared by the server (which answers) and the console (whose
 * "test a question" box shows which rule would answer, with unsaved rules): one function, no copy.
 */

/** The part of a built-in bot rule that matching reads. */
export interface PhraseRule {
  readonly patterns: readonly string[];
}

const COMBINING_ACCENT = /(?=\p{M})(?![\u3099\u309A])\p{Diacritic}/gu;

/**
 * Lower case without accents, so "Résumé" matches "resume". Only combining accents go: spacing
 * marks such as the Japanese long-vowel mark (メール) and the kana voicing marks (ガ) change the word.
 */
export function normalisePhrase(text: string): string {
  return text.normalize('NFD').replace(COMBINING_ACCENT, '').normalize('NFC').toLowerCase();
}

const SPACED_SCRIPT = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\d\s'-]+$/u;

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The index of the rule that answers `text`, or -1. Rules are tried in order, but a match that lies
 * inside a longer match of another rule does not count: "is it open source?" is about the licence,
 * not about the opening hours, even though the hours rule lists "open" first.
 */
export function answeringRule(text: string, rules: readonly PhraseRule[] | undefined): number {
  const said = normalisePhrase(text);
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

/** Whether `text` contains the phrase (whole words where the script has spaces; see phraseSpans). */
export function containsPhrase(text: string, phrase: string): boolean {
  return phraseSpans(normalisePhrase(text), phrase).length > 0;
}

/**
 * Where a phrase occurs: whole words for languages written with spaces ("agent" must not match
 * "agenda"); plain containment for scripts without word spaces (Japanese, Chinese, Thai…).
 */
function phraseSpans(normalisedText: string, phrase: string): Span[] {
  const wanted = normalisePhrase(phrase).trim();
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
