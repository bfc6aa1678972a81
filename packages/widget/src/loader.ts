// widget.js: the only script a page loads up front (≤ 2 KB brotli). It installs the one global,
// `Parley`, queues calls made before the app is there, and imports the app chunk when the browser is
// idle after load, or at once on the visitor's first interaction or an API call that needs the UI.
import type { AppApi, BootContext } from './app.js';
import type * as PreviewBridge from './embed/preview-bridge.js';

declare const PARLEY_APP: string;
declare const PARLEY_PRELOAD: readonly string[];
declare const PARLEY_PREVIEW: string;

type Stub = ((...args: unknown[]) => unknown) & { q?: ArrayLike<ArrayLike<unknown>> };

((w: Window & { Parley?: Stub & { loaded?: boolean }; parleySettings?: unknown }, d: Document) => {
  const script = d.currentScript instanceof HTMLScriptElement ? d.currentScript : null;
  // widget.js included again (a second widget on the page): the first one serves, and mounts this tag's widget too.
  if (w.Parley?.loaded) return void (script !== null && w.Parley('script', { ...script.dataset }));
  const base = script === null ? location.href : new URL('.', script.src).href;
  // `update({ attributes })` (Intercom's name for it) is `setAttributes(attributes)`: translated here, so the app knows one verb.
  const named = (args: unknown[]): unknown[] =>
    args[0] === 'update' ? ['setAttributes', (args[1] as { attributes?: unknown } | undefined)?.attributes ?? {}] : args;
  // Calls made through the queue snippet (`Parley('open')` before this script ran) come first.
  const queue: unknown[][] = Array.from(w.Parley?.q ?? [], (args) => named(Array.from(args)));
  let app: AppApi | undefined;
  let loading: Promise<AppApi> | undefined;

  const load = (): Promise<AppApi> =>
    (loading ??= Promise.all([import(base + PARLEY_APP), ...PARLEY_PRELOAD.map((file) => import(base + file))]).then(([module]) => {
      const context: BootContext = { base, dataset: { ...script?.dataset }, settings: w.parleySettings, queue: queue.splice(0) };
      return (app = (module as { boot(context: BootContext): AppApi }).boot(context));
    }));

  const call = (...given: unknown[]): unknown => {
    const args = named(given);
    if (app !== undefined) return app.call(args);
    queue.push(args);
    // Listeners, visitor data, tracked events and a later script tag can wait for idle; anything the visitor should see loads the app now.
    if (!/^(on|off|identify|setAttributes|script|track)$/.test(String(args[0]))) void load();
    return args[0] === 'on' ? () => call('off', args[1], args[2]) : undefined;
  };

  const verbs = [
    'boot',
    'open',
    'close',
    'toggle',
    'show',
    'hide',
    'identify',
    'setAttributes',
    'update',
    'setLocale',
    'send',
    'track',
    'on',
    'off',
    'shutdown',
  ];
  const api = call as Stub & Record<string, unknown>;
  for (const verb of verbs) api[verb] = (...args: unknown[]) => call(verb, ...args);
  api['loaded'] = true;
  w.Parley = Object.freeze(api);

  // `<parley-chat widget="…">`: each element mounts an inline widget into itself once the app is in.
  if (customElements.get('parley-chat') === undefined) {
    customElements.define(
      'parley-chat',
      class extends HTMLElement {
        connectedCallback(): void {
          void load().then((loaded) => loaded.element(this));
        }
      },
    );
  }

  const now = (): void => {
    for (const type of events) w.removeEventListener(type, now, true);
    void load();
  };
  const events = ['pointerdown', 'keydown', 'touchstart', 'focusin'];
  for (const type of events) w.addEventListener(type, now, { capture: true, passive: true });
  const idle = (): void => {
    if ('requestIdleCallback' in w) w.requestIdleCallback(now, { timeout: 3000 });
    else setTimeout(now, 1500);
  };
  const embed = script?.dataset['embed'];
  // The console's preview page: its bridge, fetched beside the app, mounts the widget with the settings the editor posts.
  if (embed === 'preview')
    void Promise.all([import(base + PARLEY_PREVIEW) as Promise<typeof PreviewBridge>, load()]).then(([bridge, loaded]) =>
      bridge.startPreview(loaded.mount),
    );
  // The /embed page shows nothing else either: load at once.
  else if (embed) void load();
  else if (d.readyState === 'complete') idle();
  else w.addEventListener('load', idle, { once: true });
})(window, document);
