import type { TransportName } from '@parley/client';
import type { MountOptions } from './options.js';

const LAYOUTS = ['bubble', 'inline', 'fullscreen'] as const;
const TRANSPORTS: readonly TransportName[] = ['ws', 'sse', 'poll'];

/**
 * Embed attributes (`data-*` of the script tag, attributes of `<parley-chat>`) → mount options.
 * Everything here comes from the host page, so each value is checked, never trusted as is.
 */
export function datasetOptions(read: (name: string) => string | null | undefined): MountOptions {
  const get = (name: string) => read(name) ?? undefined;
  const layout = LAYOUTS.find((value) => value === get('layout'));
  const position = get('position');
  const number = (name: string) => {
    const value = Number(get(name));
    return Number.isFinite(value) && get(name) !== undefined ? value : undefined;
  };
  const transports = (get('transport') ?? '')
    .split(',')
    .filter((name): name is TransportName => TRANSPORTS.some((known) => known === name));
  const entries: Record<string, unknown> = {
    widgetId: get('widget'),
    server: get('server'),
    webhookUrl: get('webhook'),
    layout,
    target: get('target'),
    position: position === 'bottom-left' || position === 'bottom-right' ? position : undefined,
    offsetX: number('offsetX'),
    offsetY: number('offsetY'),
    language: get('language'),
    open: get('open') === 'true' || get('open') === '' ? true : undefined,
    hideLauncher: get('hideLauncher') === 'true' ? true : undefined,
    transports: transports.length > 0 ? transports : undefined,
    storageKey: get('storageKey'),
    title: get('title'),
    initial: get('initial'),
    stream: get('stream') === 'false' ? false : undefined,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as MountOptions;
}
