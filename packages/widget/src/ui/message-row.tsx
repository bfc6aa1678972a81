import { Component, type VNode } from 'preact';
import type { Message, PublicWidgetConfig } from '@parley/protocol';
import type { Controller } from './controller.js';
import { Markdown } from './markdown.js';
import { hasRichContent, LazyLinkPreview, LazyRichContent, QuickReplies } from './rich-lazy.js';
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
  /** The newest message offers its quick replies. */
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
    if (message.type === 'event') return <div class="sys">{message.text}</div>;
    const mine = message.author.role === 'visitor';
    return (
      <div class={`row${mine ? ' me' : ''}`}>
        {!mine && startsRun && <div class="name">{message.author.name || strings.title}</div>}
        {message.text !== '' && message.type !== 'file' && (
          <div class="bub" dir="auto">
            <Markdown text={message.text} math={config.math} />
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
        {replies && message.type === 'quick_replies' && <QuickReplies ctl={ctl} message={message} />}
      </div>
    );
  }
}
