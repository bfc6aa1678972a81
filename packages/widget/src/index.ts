// The npm entry: `mount(options)` puts a widget on the page and returns its handle. Same UI, same
// options as the script tag; no loader, because a bundler already decided when this code loads.
import type { MountOptions, WidgetHandle } from './api/options.js';
import { createWidget } from './api/widget-instance.js';

export type { MountOptions, OpenTarget, WidgetEventName, WidgetEvents, WidgetHandle } from './api/options.js';
export { connectFrame, type FrameConnection } from './embed/frame-host.js';

/** Mounts one widget. `server` is the Parley server's URL (managed mode); direct mode needs only `webhookUrl`. */
export function mount(options: MountOptions & { readonly server?: string }): Promise<WidgetHandle> {
  if (options.webhookUrl === undefined && options.server === undefined) {
    return Promise.reject(new Error('Parley mount(): pass `server` (the Parley server URL) with `widgetId`, or a `webhookUrl`.'));
  }
  return createWidget(options, (options.server ?? '').replace(/\/+$/, ''));
}
