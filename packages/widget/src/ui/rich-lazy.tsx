import type { VNode } from 'preact';
import type { Message } from '@parley/protocol';
import type { Controller } from './controller.js';
import { lazyModule } from './lazy-module.js';
import type { TranslatedProps } from '../extras/translation.js';

/** The rich-content extra, imported the first time a conversation needs it (then shared by every component). */
const useRich = lazyModule(() => import('../extras/rich.js'));
/** Link previews: imported the first time a message with a link shows while the widget's `unfurl` is on. */
const useUnfurl = lazyModule(() => import('../extras/unfurl.js'));

const RICH_TYPES: ReadonlySet<string> = new Set(['card', 'carousel', 'form', 'file']);

export function hasRichContent(message: Message): boolean {
  return RICH_TYPES.has(message.type);
}

export function LazyRichContent(props: { readonly ctl: Controller; readonly message: Message }): VNode | null {
  const module = useRich();
  return module === undefined ? null : <module.RichContent {...props} />;
}

export function LazyContactCard(props: { readonly ctl: Controller }): VNode | null {
  const module = useRich();
  return module === undefined ? null : <module.ContactCard {...props} />;
}

export function LazyRating(props: { readonly ctl: Controller }): VNode | null {
  const module = useRich();
  return module === undefined ? null : <module.Rating {...props} />;
}

/** Files on their way (attachments on): their progress or refusal, in the rich extra with the file messages they become. */
export function LazyUploads(props: { readonly ctl: Controller }): VNode | null {
  const module = useRich();
  return module === undefined ? null : <module.Uploads {...props} />;
}

export function LazyLinkPreview(props: { readonly ctl: Controller; readonly message: Message }): VNode | null {
  const module = useUnfurl();
  return module === undefined ? null : <module.LinkPreview {...props} />;
}

export function LazyTranslated(props: TranslatedProps): VNode | null {
  // Live translation rides the rich extra (its own import would cost the core a chunk name and a loader).
  const module = useRich();
  return module === undefined ? null : <module.Translated {...props} />;
}

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
