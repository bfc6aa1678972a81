const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** A BCP 47 tag as an English language name (`fr` → "French"); the tag itself when the browser has no name for it. */
export function languageName(tag: string): string {
  try {
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
