/**
 * Language tags as the widget uses them: a BCP 47 primary language subtag with an optional script and
 * region (`en`, `pt-BR`, `zh-Hans`, `es-419`). Extensions and private use are refused: they would
 * only make the language map ambiguous.
 */
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

export function isValidLanguageTag(tag: string): boolean {
  return LANGUAGE_TAG.test(tag);
}

/** `pt-BR` → `pt`. */
export function primaryLanguage(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? tag;
}
