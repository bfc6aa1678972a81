import type { VNode } from 'preact';
import type { Controller } from './controller.js';
import { lazyModule } from './lazy-module.js';
import { lazyPart } from './rich-lazy.js';
import { duration, fill } from './text.js';
import { useView } from './use-view.js';

/**
 * The core's text helpers, handed to the desk extra: were it to import text.ts, that module would become a
 * chunk of its own, one more file on the core's path.
 */
export interface DeskText {
  readonly fill: typeof fill;
  readonly duration: typeof duration;
}
const TEXT: DeskText = { fill, duration };

/** The desk extra, imported the first time a human is involved (then shared by every render). */
const useDesk = lazyModule(() => import('../extras/desk.js'));
const LazyDesk = lazyPart(useDesk, 'Desk');

/**
 * The queue place, the agent's name and offline mode's email request: imported once a human is
 * involved (owner queued or human), so chats that stay with the bot never download it.
 */
export function DeskStatus({ ctl }: { readonly ctl: Controller }): VNode | null {
  const { owner } = useView(ctl.store);
  return owner === 'queued' || owner === 'human' ? <LazyDesk ctl={ctl} text={TEXT} /> : null;
}
