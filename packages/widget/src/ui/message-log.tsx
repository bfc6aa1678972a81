import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from './controller.js';
import { AttachIcon } from './icons.js';
import { Markdown } from './markdown.js';
import { hasRichContent, LazyContactCard, LazyLinkPreview, LazyRating, LazyRichContent, QuickReplies } from './rich-lazy.js';
import { dayLabel, fill, timeLabel } from './text.js';
import { useView } from './use-view.js';

/**
 * The conversation: day separators, author names at the start of a run, time under a run, receipts
 * under the visitor's last message, pending and failed sends, live streamed replies, typing, quick
 * replies, cards, forms, the rating. An aria-live log announces new messages; autoScroll follows the
 * bottom unless the visitor scrolled up, who then gets a "new messages" jump.
 */
export function MessageLog({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const { config, messages, outbox, streams, typing } = state;
  const { strings, language } = config;
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [jump, setJump] = useState(false);
  const count =
    messages.length +
    outbox.length +
    state.uploads.length +
    streams.reduce((sum, stream) => sum + stream.text.length, 0) +
    (typing ? 1 : 0);
  const lastMine = messages.at(-1)?.author.role === 'visitor' || outbox.length > 0;

  // Only the visitor scrolling up leaves the bottom: content that grew (a picture decoded) between our
  // scroll to the bottom and its scroll event must not count as having left it.
  const lastTop = useRef(0);
  const onScroll = () => {
    const element = log.current;
    if (element === null) return;
    atBottom.current =
      element.scrollHeight - element.scrollTop - element.clientHeight < 60 || (atBottom.current && element.scrollTop >= lastTop.current);
    lastTop.current = element.scrollTop;
    if (atBottom.current) setJump(false);
  };

  useLayoutEffect(() => {
    const element = log.current;
    if (element === null) return;
    // A scroll event comes a frame late: a message arriving right after the visitor scrolled up must
    // find them up there, not at the bottom they left.
    onScroll();
    if ((config.autoScroll && atBottom.current) || lastMine) {
      element.scrollTop = element.scrollHeight;
      lastTop.current = element.scrollTop;
      setJump(false);
    } else setJump(true);
  }, [count]);
  useEffect(() => {
    if (document.visibilityState === 'visible') ctl.markSeen();
  }, [messages.length]);
  // Content that grows after it was placed (a lazy card, an image, math) keeps the bottom in view.
  const inner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = log.current;
    if (element === null || inner.current === null || typeof ResizeObserver !== 'function') return;
    const observer = new ResizeObserver(() => {
      if (!atBottom.current || !config.autoScroll) return;
      element.scrollTop = element.scrollHeight;
      lastTop.current = element.scrollTop;
    });
    observer.observe(inner.current);
    return () => observer.disconnect();
  }, []);

  const held = new Set(messages.map((message) => message.clientId));
  const rows: ComponentChildren[] = [];
  let day = '';
  let previous: Message | undefined;
  const lastVisitor = messages.findLast((message) => message.author.role === 'visitor');
  messages.forEach((message, index) => {
    const label = dayLabel(message.createdAt, language, strings.today, strings.yesterday);
    if (label !== day) {
      day = label;
      previous = undefined;
      rows.push(<div class="day">{label}</div>);
    }
    const next = messages[index + 1];
    const startsRun = previous === undefined || previous.author.role !== message.author.role || previous.author.id !== message.author.id;
    const endsRun = next === undefined || next.author.role !== message.author.role || next.author.id !== message.author.id;
    previous = message;
    if (message.type === 'event') {
      rows.push(<div class="sys">{message.text}</div>);
      return;
    }
    const mine = message.author.role === 'visitor';
    const receipt = message === lastVisitor ? (state.agentReadSeq >= message.seq ? strings.read : strings.delivered) : null;
    rows.push(
      <div class={`row${mine ? ' me' : ''}`} key={message.id}>
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
        {message.type === 'quick_replies' && index === messages.length - 1 && <QuickReplies ctl={ctl} message={message} />}
      </div>,
    );
  });
  for (const entry of outbox) {
    if (held.has(entry.clientId)) continue;
    const failed = entry.status === 'failed';
    rows.push(
      <div class={`row me ${failed ? 'failed' : 'pending'}`} key={entry.clientId}>
        <div class="bub">
          <Markdown text={entry.text} math={false} />
        </div>
        <div class="meta">
          {failed ? (
            <>
              <span>{strings.sendFailed}</span>
              {entry.retryable && <button onClick={() => ctl.retry(entry.clientId)}>{strings.retry}</button>}
            </>
          ) : (
            <span>{strings.sending}</span>
          )}
        </div>
      </div>,
    );
  }
  for (const upload of state.uploads) {
    rows.push(
      <div class={`row me ${upload.error === null ? 'pending' : 'failed'}`} key={upload.id}>
        <div class="bub">
          <AttachIcon />
          {upload.name}
        </div>
        <div class="meta">
          {upload.error === null ? (
            <>
              <span>{strings.sending}</span>
              <progress max={1} value={upload.progress} aria-label={upload.name} />
            </>
          ) : (
            <>
              <span role="alert">{upload.error}</span>
              <button onClick={() => ctl.dismissUpload(upload.id)}>{strings.dialogNo}</button>
            </>
          )}
        </div>
      </div>,
    );
  }
  for (const stream of streams) {
    rows.push(
      <div class={`row${stream.done ? '' : ' stream'}`} key={stream.streamId}>
        <div class="name">{stream.author.name || strings.title}</div>
        <div class="bub">
          <Markdown text={stream.text} math={false} />
        </div>
      </div>,
    );
  }
  // The rating shows once resolved, and stays (as its thanks) after the visitor rated, which reopens the conversation.
  const rated = state.done.includes(`rating:${messages[0]?.conversationId ?? ''}`);
  const resolved = (state.owner === 'resolved' || rated) && messages.length > 0;
  return (
    <>
      <div
        class="log"
        ref={log}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        tabIndex={0}
        aria-label={strings.title}
      >
        <div class="inner" ref={inner}>
          {strings.intro !== '' && <p class="intro">{strings.intro}</p>}
          {messages.length === 0 && outbox.length === 0 && strings.initial !== '' && (
            <div class="row">
              <div class="name">{strings.title}</div>
              <div class="bub">
                <Markdown text={strings.initial} math={false} />
              </div>
            </div>
          )}
          {config.contactCollection !== false && <LazyContactCard ctl={ctl} />}
          {rows}
          {typing !== null && streams.every((stream) => stream.done) && (
            <div class="row">
              <div class="typing" role="status" aria-label={fill(strings.typing, { name: typing.name || strings.title })}>
                <i />
                <i />
                <i />
              </div>
            </div>
          )}
          {resolved && <LazyRating ctl={ctl} />}
        </div>
      </div>
      {jump && (
        <button
          class="jump"
          onClick={() => {
            const element = log.current;
            if (element !== null) element.scrollTop = element.scrollHeight;
            setJump(false);
          }}
        >
          {strings.newMessages} ↓
        </button>
      )}
    </>
  );
}
