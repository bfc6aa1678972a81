import type { FunctionComponent, VNode } from 'preact';
// The runtime compiled JSX calls (already in the core), not `h`, which would bring createElement along.
import { jsx } from 'preact/jsx-runtime';
import type { Message } from '@parley/protocol';
import type { Controller } from './controller.js';
import { lazyModule } from './lazy-module.js';

/** The rich-content extra, imported the first time a conversation needs it (then shared by every component). */
const useRich = lazyModule(() => import('../extras/rich.js'));
/** Link previews: imported the first time a message with a link shows while the widget's `unfurl` is on. */
const useUnfurl = lazyModule(() => import('../extras/unfurl.js'));

export function hasRichContent(message: Message): boolean {
  return /^(card|carousel|form|file)$/.test(message.type);
}

/**
 * One export of a lazy extra as a component of the core: nothing until the extra is in, then that export with the props
 * given. One function for every part, instead of a copy of the same few lines each.
 */
// Callers get the export's own type (its props); the implementation reads it by name. DeskStatus uses it too.
export function lazyPart<M, K extends keyof M>(use: () => M | undefined, part: K): M[K];
export function lazyPart(use: () => Readonly<Record<string, FunctionComponent>> | undefined, part: string): FunctionComponent {
  return (props) => {
    const Part = use()?.[part];
    return Part === undefined ? null : jsx(Part, { ...props });
  };
}

export const LazyRichContent = lazyPart(useRich, 'RichContent');
export const LazyContactCard = lazyPart(useRich, 'ContactCard');
export const LazyRating = lazyPart(useRich, 'Rating');
/** Files on their way (attachments on): their progress or refusal, in the rich extra with the file messages they become. */
export const LazyUploads = lazyPart(useRich, 'Uploads');
export const LazyLinkPreview = lazyPart(useUnfurl, 'LinkPreview');
// Live translation rides the rich extra (its own import would cost the core a chunk name and a loader).
export const LazyTranslated = lazyPart(useRich, 'Translated');

/** Quick replies stay in the core: most bots use them. Shown under the last message only. */
export function QuickReplies({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode {
  const raw = message.payload?.['replies'];
  const replies = Array.isArray(raw) ? raw.filter((reply): reply is string => typeof reply === 'string') : [];
  return (
    <div class="qr">
      {replies.map((reply) => (
        <button class="chip" onClick={() => ctl.send(reply)}>
          {reply}
        </button>
      ))}
    </div>
  );
}
