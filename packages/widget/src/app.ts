// The app chunk: what widget.js imports on idle or on first interaction. Replays the calls queued
// before it arrived, mounts the script tag's widget, `parleySettings` and `<parley-chat>` elements.
import { datasetOptions } from './api/dataset-options.js';
import type { MountOptions, WidgetHandle } from './api/options.js';
import { createWidget } from './api/widget-instance.js';

export interface BootContext {
  /** Where widget.js came from: the default Parley server. */
  readonly base: string;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly settings: unknown;
  readonly queue: readonly (readonly unknown[])[];
}

export interface AppApi {
  call(args: readonly unknown[]): unknown;
  element(element: HTMLElement): void;
  /** Mounts a widget (the console's preview bridge, which widget.js imports on the preview page, mounts through it). */
  mount(options: MountOptions): Promise<WidgetHandle>;
}

type Verb = 'open' | 'close' | 'toggle' | 'show' | 'hide' | 'identify' | 'setAttributes' | 'setLocale' | 'send' | 'track' | 'shutdown';
/** The handle's methods the `Parley(verb, …)` global calls: the Verb type spelled as a pattern, shorter in the core than a list. */
const VERBS = /^(open|close|toggle|show|hide|identify|setAttributes|setLocale|send|track|shutdown)$/;

export function boot(context: BootContext): AppApi {
  const server = (context.dataset['server'] ?? context.base).replace(/\/+$/, '');
  const widgets: Promise<WidgetHandle>[] = [];
  const mount = (options: MountOptions): Promise<WidgetHandle> => {
    const created = createWidget(options, (options.server ?? server).replace(/\/+$/, ''));
    created.catch((error: unknown) =>
      window.dispatchEvent(
        new CustomEvent('parley:error', { detail: { message: error instanceof Error ? error.message : String(error) } }),
      ),
    );
    widgets.push(created);
    return created;
  };
  const first = (): Promise<WidgetHandle> | undefined => widgets[0];

  const call = (args: readonly unknown[]): unknown => {
    const [verb, ...rest] = args;
    if (verb === 'boot') return void mount(isOptions(rest[0]) ? rest[0] : {});
    if (verb === 'script') return void (isDataset(rest[0]) && mountScript(rest[0]));
    const target = first();
    if (target === undefined) return undefined;
    if (verb === 'on' || verb === 'off') {
      const [event, listener] = rest;
      if (typeof event !== 'string' || typeof listener !== 'function') return undefined;
      let stop: (() => void) | undefined;
      void target.then((handle) => {
        if (verb === 'off') return handle.off(event as 'open', listener as () => void);
        stop = handle.on(event as 'open', listener as () => void);
        // `ready` has fired by the time a handle exists: a late subscriber is told at once, like Intercom's `ready`.
        if (event === 'ready') (listener as (detail: unknown) => void)({ widgetId: handle.key });
      });
      return () => (stop === undefined ? void target.then(() => stop?.()) : stop());
    }
    if (typeof verb !== 'string' || !VERBS.test(verb)) return undefined;
    // The pattern holds only Verb's names.
    void target.then((handle) => (handle[verb as Verb] as (...values: unknown[]) => unknown)(...rest));
    return undefined;
  };

  /** A `<script data-parley-widget>` tag's widget: the first widget.js's own, and every later tag's (the `script` call). */
  const mountScript = (dataset: Readonly<Record<string, string | undefined>>): void => {
    const fromScript = datasetOptions((name) => dataset[name === 'widget' ? 'parleyWidget' : name]);
    if (fromScript.widgetId === undefined && fromScript.webhookUrl === undefined) return;
    const mounted = mount(fromScript);
    // Only the /embed page speaks postMessage: the bridge is its own small chunk.
    if (dataset['embed'] === 'iframe')
      void import('./embed/frame-bridge.js').then(({ startFrameBridge }) => startFrameBridge(dataset['parentOrigin'], mounted));
  };
  mountScript(context.dataset);
  for (const settings of Array.isArray(context.settings) ? context.settings : [context.settings])
    if (isOptions(settings)) void mount(settings);
  for (const queued of context.queue) call(queued);
  return {
    call,
    mount,
    element: (element) => {
      const options = datasetOptions((name) =>
        element.getAttribute(name === 'offsetX' ? 'offset-x' : name === 'offsetY' ? 'offset-y' : name),
      );
      void mount({ layout: 'inline', ...options, host: element });
    },
  };
}

/** A script tag's `dataset`, copied by widget.js: string values only. */
function isDataset(value: unknown): value is Readonly<Record<string, string>> {
  return typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string');
}

function isOptions(value: unknown): value is MountOptions {
  return typeof value === 'object' && value !== null && ('widgetId' in value || 'webhookUrl' in value);
}
