const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** "fr" → "French": a model follows a language's name more reliably than its code. */
export function languageName(tag: string): string {
  try {
    return names.of(tag) ?? tag;
  } catch {
    // A tag Intl refuses (it was validated as BCP 47 on the way in, but Intl's list may be older): the code will do.
    return tag;
  }
}

/** "pt-BR" → "pt": two tags of one language need no translation between them. */
export function baseLanguage(tag: string): string {
  return (tag.split('-')[0] ?? tag).toLowerCase();
}
