import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type * as Desk from '../extras/desk.js';
import type { Controller } from './controller.js';
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

let loaded: typeof Desk | undefined;

/**
 * The queue place, the agent's name and offline mode's email request: imported once a human is
 * involved (owner queued or human), so chats that stay with the bot never download it.
 */
export function DeskStatus({ ctl }: { readonly ctl: Controller }): VNode | null {
  const { owner } = useView(ctl.store);
  const needed = owner === 'queued' || owner === 'human';
  const [module, setModule] = useState(loaded);
  useEffect(() => {
    if (needed && module === undefined) void import('../extras/desk.js').then((value) => setModule((loaded = value)));
  }, [needed]);
  return needed && module !== undefined ? <module.Desk ctl={ctl} text={TEXT} /> : null;
}
