import { Component, type VNode } from 'preact';
import type { Author, Message, PublicWidgetConfig } from '@parley/protocol';
import type { Controller } from './controller.js';
import { Markdown } from './markdown.js';
import { hasRichContent, LazyLinkPreview, LazyRichContent, LazyTranslated, QuickReplies } from './rich-lazy.js';
import { timeLabel } from './text.js';

export interface MessageRowProps {
  readonly ctl: Controller;
  readonly config: PublicWidgetConfig;
  readonly message: Message;
  /** First of a run by one author: the name shows. */
  readonly startsRun: boolean;
  /** Last of a run: the time shows. */
  readonly endsRun: boolean;
  /** Under the visitor's last message: delivered or read. */
  readonly receipt: string | null;
  /** The latest unanswered quick replies: chips under this message. */
  readonly replies: boolean;
}

/**
 * One stored message. It renders again only when one of its props changes: a new message at the
 * bottom re-renders the list, not the hundred bubbles above it (a memo without preact/compat).
 */
export class MessageRow extends Component<MessageRowProps> {
  override shouldComponentUpdate(next: MessageRowProps): boolean {
    const props = this.props;
    return (Object.keys(next) as (keyof MessageRowProps)[]).some((key) => props[key] !== next[key]);
  }

  override render({ ctl, config, message, startsRun, endsRun, receipt, replies }: MessageRowProps): VNode {
    const { strings, language } = config;
    // The agents' line about a rating ("The visitor rated…") is theirs: the visitor is thanked instead.
    if (message.type === 'event')
      return <div class="sys">{message.payload?.['event'] === 'rating' ? strings.ratingThanks : message.text}</div>;
    const mine = message.author.role === 'visitor';
    return (
      <div class={`row${mine ? ' me' : ''}${startsRun ? ' start' : ''}`}>
        {!mine && startsRun && <Sender config={config} author={message.author} />}
        {message.text !== '' && message.type !== 'file' && (
          <div class="bub" dir="auto">
            {message.translation ? (
              <LazyTranslated ctl={ctl} message={message} md={Markdown} />
            ) : (
              <Markdown text={message.text} math={config.math} />
            )}
          </div>
        )}
        {hasRichContent(message) && <LazyRichContent ctl={ctl} message={message} />}
        {config.unfurl && message.type !== 'file' && /https?:\/\//.test(message.text) && <LazyLinkPreview ctl={ctl} message={message} />}
        {(endsRun || receipt !== null) && (
          <div class="meta">
            <time dateTime={message.createdAt}>{timeLabel(message.createdAt, language)}</time>
            {receipt !== null && <span>· {receipt}</span>}
          </div>
        )}
        {/* After the time: the time belongs to the bubble, the replies are the visitor's next step. */}
        {replies && <QuickReplies ctl={ctl} message={message} />}
      </div>
    );
  }
}

/**
 * Who is answering, once at the top of their run of messages: avatar (the widget's picture for its bot,
 * else initials), name, and a "Bot" tag for bots, so a visitor always knows whether a person is writing.
 */
export function Sender({ config, author }: { readonly config: PublicWidgetConfig; readonly author: Pick<Author, 'role' | 'name'> }): VNode {
  const name = author.name || config.strings.title;
  const bot = author.role === 'bot';
  const picture = bot ? config.theme.avatarUrl : undefined;
  // A hue per agent name: two agents in one conversation look different; lightness keeps white initials readable.
  const hue = [...name].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 360, 7);
  return (
    <div class="name">
      <span class="ava" aria-hidden="true" style={bot ? undefined : `background:hsl(${hue} 45% 30%)`}>
        {picture === undefined ? initials(name) : <img src={picture} alt="" />}
      </span>
      <span dir="auto">{name}</span>
      {bot && <span class="tag">{config.strings.botBadge}</span>}
    </div>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => [...word][0] ?? '')
    .join('')
    .toUpperCase();
}
