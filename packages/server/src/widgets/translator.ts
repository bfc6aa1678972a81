/**
 * Translates a batch of short interface texts. One call per target language keeps setup to a few
 * requests; a returned map may miss keys, which setup records as failures and falls back for.
 */
export interface Translator {
  translate(texts: Readonly<Record<string, string>>, from: string, to: string): Promise<Record<string, string>>;
}
