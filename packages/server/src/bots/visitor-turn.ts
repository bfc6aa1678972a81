import type { FilePayload, Message } from '@parley/protocol';

/** The visitor's words the bot has not answered yet: every visitor message after the last bot or agent message. */
export function pendingVisitorMessages(history: readonly Message[]): Message[] {
  const pending: Message[] = [];
  for (const message of [...history].reverse()) {
    if (message.author.role === 'bot' || message.author.role === 'agent') break;
    if (message.author.role === 'visitor') pending.unshift(message);
  }
  return pending;
}

export function pendingVisitorText(history: readonly Message[]): string {
  return pendingVisitorMessages(history)
    .map((message) => message.text)
    .filter((text) => text !== '')
    .join('\n');
}

/** Files the visitor sent in this turn, as metadata (upstreams fetch them by URL; bytes are never forwarded). */
export function pendingVisitorFiles(history: readonly Message[]): FilePayload[] {
  return pendingVisitorMessages(history)
    .filter((message) => message.type === 'file' && message.payload !== null && typeof message.payload['url'] === 'string')
    .map((message) => {
      const payload = message.payload ?? {};
      const text = (key: string): string | undefined => (typeof payload[key] === 'string' ? payload[key] : undefined);
      const size = typeof payload['size'] === 'number' ? payload['size'] : undefined;
      return {
        url: text('url') ?? '',
        ...(text('name') === undefined ? {} : { name: text('name') }),
        ...(text('mimeType') === undefined ? {} : { mimeType: text('mimeType') }),
        ...(size === undefined ? {} : { size }),
      };
    });
}

/**
 * The value a bot expects for a quick reply the visitor chose: Rasa buttons show a title but expect
 * their payload back. The label is sent as is when it was not one of the last offered replies.
 */
export function quickReplyValue(history: readonly Message[], said: string): string {
  const offer = [...history].reverse().find((message) => message.author.role === 'bot' && message.type === 'quick_replies');
  const replies = offer?.payload?.['replies'];
  const values = offer?.payload?.['values'];
  if (!Array.isArray(replies) || !Array.isArray(values)) return said;
  const index = replies.findIndex((reply) => reply === said.trim());
  const value: unknown = index < 0 ? undefined : values[index];
  return typeof value === 'string' ? value : said;
}
