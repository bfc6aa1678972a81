import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type * as Rich from '../extras/rich.js';
import type { Controller } from './controller.js';

type RichModule = typeof Rich;
let loaded: RichModule | undefined;

/** The rich-content extra, imported the first time a conversation needs it (then shared by every component). */
function useRich(): RichModule | undefined {
  const [module, setModule] = useState(loaded);
  useEffect(() => {
    if (module === undefined) void import('../extras/rich.js').then((value) => setModule((loaded = value)));
  }, []);
  return module;
}

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
