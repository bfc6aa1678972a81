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
 * their payload back. The offer is the bot's latest quick replies not answered yet, even when more
 * followed them (an image): the widget keeps exactly those clickable. The label is sent as is when
 * it was not one of them, or when the visitor had already answered that offer.
 */
export function quickReplyValue(history: readonly Message[], said: string): string {
  const offer = latestOpenOffer(history);
  const replies = offer?.payload?.['replies'];
  const values = offer?.payload?.['values'];
  if (!Array.isArray(replies) || !Array.isArray(values)) return said;
  const index = replies.findIndex((reply) => reply === said.trim());
  const value: unknown = index < 0 ? undefined : values[index];
  return typeof value === 'string' ? value : said;
}

/** Before the visitor's pending turn: the bot's last quick replies, unless a visitor message answered them since. */
function latestOpenOffer(history: readonly Message[]): Message | undefined {
  let inTurn = true;
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index];
    if (message === undefined) continue;
    const role = message.author.role;
    if (role === 'bot' || role === 'agent') inTurn = false;
    if (inTurn) continue;
    if (role === 'visitor') return undefined;
    if (role === 'bot' && message.type === 'quick_replies') return message;
  }
  return undefined;
}
