/**
 * The languages the widget ships a complete interface for. A visitor whose language is listed here
 * sees a complete, native interface straight away, without any translation service configured or
 * reachable: every text is bundled here, and a test checks each catalog for completeness and placeholders.
 */
import type { UiStrings } from './ui-strings.js';
import { EN_UI_STRINGS } from './ui-strings.js';
import { AR_UI_STRINGS } from './strings/ar.js';
import { DE_UI_STRINGS } from './strings/de.js';
import { ES_UI_STRINGS } from './strings/es.js';
import { FR_UI_STRINGS } from './strings/fr.js';
import { HE_UI_STRINGS } from './strings/he.js';
import { HI_UI_STRINGS } from './strings/hi.js';
import { IT_UI_STRINGS } from './strings/it.js';
import { JA_UI_STRINGS } from './strings/ja.js';
import { NL_UI_STRINGS } from './strings/nl.js';
import { PT_UI_STRINGS } from './strings/pt.js';
import { RU_UI_STRINGS } from './strings/ru.js';
import { ZH_UI_STRINGS } from './strings/zh.js';

export const BUILTIN_LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl', 'ja', 'zh', 'ar', 'ru', 'hi', 'he'] as const;

export type BuiltinLanguage = (typeof BUILTIN_LANGUAGES)[number];

export const BUILTIN_UI_STRINGS: Readonly<Record<BuiltinLanguage, UiStrings>> = Object.freeze({
  en: EN_UI_STRINGS,
  es: ES_UI_STRINGS,
  fr: FR_UI_STRINGS,
  de: DE_UI_STRINGS,
  pt: PT_UI_STRINGS,
  it: IT_UI_STRINGS,
  nl: NL_UI_STRINGS,
  ja: JA_UI_STRINGS,
  zh: ZH_UI_STRINGS,
  ar: AR_UI_STRINGS,
  ru: RU_UI_STRINGS,
  hi: HI_UI_STRINGS,
  he: HE_UI_STRINGS,
});

/** Languages written right to left; the widget mirrors its layout for them. */
export const RTL_LANGUAGES = ['ar', 'he', 'fa', 'ur'] as const;

const BUILTIN_SET: ReadonlySet<string> = new Set(BUILTIN_LANGUAGES);
const RTL_SET: ReadonlySet<string> = new Set(RTL_LANGUAGES);

/** The primary subtag of a language tag, lower-cased: 'pt-BR' → 'pt', 'AR_eg' → 'ar'. */
function primarySubtag(code: string): string {
  return (code.split(/[-_]/, 1)[0] ?? '').trim().toLowerCase();
}

/** Whether `code` is exactly one of the built-in language codes (case-sensitive, no region). */
export function isBuiltinLanguage(code: string): code is BuiltinLanguage {
  return BUILTIN_SET.has(code);
}

/** Whether the language's primary subtag is written right to left ('ar', 'he-IL', 'FA' …). */
export function isRtlLanguage(code: string): boolean {
  return RTL_SET.has(primarySubtag(code));
}

/**
 * The built-in catalog for a language tag: an exact code first ('EN' → 'en'), then its primary
 * subtag ('pt-BR' → 'pt', 'zh-Hans' → 'zh'). Undefined when the language is not built in.
 */
export function builtinUiStrings(code: string): UiStrings | undefined {
  const exact = code.trim().toLowerCase();
  if (isBuiltinLanguage(exact)) return BUILTIN_UI_STRINGS[exact];
  const primary = primarySubtag(code);
  return isBuiltinLanguage(primary) ? BUILTIN_UI_STRINGS[primary] : undefined;
}
