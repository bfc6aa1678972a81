import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from './controller.js';
import { Markdown } from './markdown.js';
import { MessageRow, Sender } from './message-row.js';
import { LazyContactCard, LazyRating, LazyUploads } from './rich-lazy.js';
import { dayLabel, fill } from './text.js';
import { useMessageWindow } from './use-message-window.js';
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
  // The server holds older messages than these when the oldest held is not the conversation's first.
  const older = ctl.server !== null && (messages[0]?.seq ?? 0) > 1 && state.older !== 'none' ? () => ctl.loadOlder() : null;
  const { first, earlier, loadEarlier, onScrolled } = useMessageWindow(messages, log, older, () => atBottom.current && config.autoScroll);
  // The newest seq, not the length: earlier messages put in at the top are no news to scroll to.
  const count =
    (messages.at(-1)?.seq ?? 0) +
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
    onScrolled(atBottom.current);
  };

  // At the next frame, before it paints: measuring the log now would lay the new rows out inside the render's
  // task (a forced layout), and opening a long conversation would be one long task instead of two short ones.
  useLayoutEffect(() => {
    const frame = requestAnimationFrame(() => {
      const element = log.current;
      if (element === null) return;
      // A scroll event may not have come yet: a message arriving right after the visitor scrolled up must
      // find them up there, not at the bottom they left.
      onScroll();
      if ((config.autoScroll && atBottom.current) || lastMine) {
        element.scrollTop = element.scrollHeight;
        lastTop.current = element.scrollTop;
        setJump(false);
      } else setJump(true);
    });
    return () => cancelAnimationFrame(frame);
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
    // The log itself shrinks when a strip appears under it ("You are chatting with…"): what was at the bottom stays there.
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const contact = config.contactCollection;
  const contactBefore = typeof contact === 'object' && contact.when === 'before';
  const held = new Set(messages.map((message) => message.clientId));
  const rows: ComponentChildren[] = [];
  let day = '';
  const lastVisitor = messages.findLast((message) => message.author.role === 'visitor');
  // One run: one author, no pause of 5 minutes or more (a reply an hour later gets its name and time again).
  const sameRun = (a: Message | undefined, b: Message | undefined) =>
    sameAuthor(a, b) && Date.parse(b.createdAt) - Date.parse(a?.createdAt ?? '') < 300_000;
  const offer = openOffer(messages);
  for (let index = first; index < messages.length; index++) {
    const message = messages[index];
    if (message === undefined) continue;
    const label = dayLabel(message.createdAt, language, strings.today, strings.yesterday);
    const startsDay = label !== day;
    if (startsDay) {
      day = label;
      rows.push(
        <div class="day" key={`day:${message.id}`}>
          {label}
        </div>,
      );
    }
    const next = messages[index + 1];
    const receipt = message === lastVisitor ? (state.agentReadSeq >= message.seq ? strings.read : strings.delivered) : null;
    rows.push(
      <MessageRow
        key={message.id}
        ctl={ctl}
        config={config}
        message={message}
        startsRun={startsDay || !sameRun(messages[index - 1], message)}
        endsRun={!sameRun(message, next)}
        receipt={receipt}
        replies={message === offer}
      />,
    );
  }
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
              {/* A volume limit names its wait: the bubble says why, and the client resends it after that wait. */}
              <span>
                {entry.error?.retryAfterMs
                  ? fill(strings.sendTooFast, { count: `${Math.ceil(entry.error.retryAfterMs / 1e3)}` })
                  : strings.sendFailed}
              </span>
              {entry.retryable && <button onClick={() => ctl.retry(entry.clientId)}>{strings.retry}</button>}
            </>
          ) : (
            <span>{strings.sending}</span>
          )}
        </div>
      </div>,
    );
  }
  for (const stream of streams) {
    rows.push(
      <div class={`row${stream.done ? '' : ' stream'}`} key={stream.streamId}>
        <Sender config={config} author={stream.author} />
        <div class="bub">
          <Markdown text={stream.text} math={false} live />
        </div>
      </div>,
    );
  }
  // The rating shows once resolved, and stays (as its thanks) after the visitor rated until the stored rating is
  // here: that row says the thanks from then on, in its place.
  const rated = state.done.includes(`rating:${messages[0]?.conversationId ?? ''}`);
  const resolved =
    (state.owner === 'resolved' || rated) && messages.length > 0 && !messages.some((message) => message.payload?.['event'] === 'rating');
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
          {strings.intro !== '' && !earlier && (
            <p class="intro" dir="auto">
              {strings.intro}
            </p>
          )}
          {messages.length === 0 && outbox.length === 0 && strings.initial !== '' && (
            <div class="row">
              <Sender config={config} author={{ role: 'bot', name: config.botName ?? '' }} />
              <div class="bub" dir="auto">
                <Markdown text={strings.initial} math={false} />
              </div>
            </div>
          )}
          {/* "before": the form opens the conversation; "during" (below): it comes where the visitor is, after the latest message. */}
          {contactBefore && <LazyContactCard ctl={ctl} />}
          {earlier && (
            <button class="earlier" onClick={loadEarlier} disabled={state.older === 'loading'} aria-busy={state.older === 'loading'}>
              {state.older === 'loading' ? `${strings.earlier}…` : `${strings.earlier} ↑`}
            </button>
          )}
          {rows}
          {config.contactCollection !== false && !contactBefore && <LazyContactCard ctl={ctl} />}
          {state.uploads.length > 0 && <LazyUploads ctl={ctl} />}
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

function sameAuthor(a: Message | undefined, b: Message | undefined): b is Message {
  return a !== undefined && b !== undefined && a.author.role === b.author.role && a.author.id === b.author.id;
}

/**
 * The latest quick replies stay clickable until someone else speaks: an image the bot sends after them keeps
 * them. Only the latest author's run is read, back from the end, not the whole conversation on every render.
 */
function openOffer(messages: readonly Message[]): Message | undefined {
  const last = messages.at(-1);
  for (let index = messages.length - 1; sameAuthor(last, messages[index]); index--)
    if (messages[index]?.type === 'quick_replies') return messages[index];
  return undefined;
}
