/**
 * Translates one chat message on the way through (docs/translation.md). `text` is Markdown as the author wrote
 * it; the answer is the translation only, with Markdown, links, code and emoji kept. `from` and `to` are BCP 47
 * tags; `signal` is the caller's deadline (the message waits for no longer).
 */
export interface MessageTranslator {
  translateMessage(text: string, from: string, to: string, signal: AbortSignal): Promise<string>;
}
