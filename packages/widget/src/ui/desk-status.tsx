import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type * as Desk from '../extras/desk.js';
import type { Controller } from './controller.js';
import { useView } from './use-view.js';

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
  return needed && module !== undefined ? <module.Desk ctl={ctl} /> : null;
}
