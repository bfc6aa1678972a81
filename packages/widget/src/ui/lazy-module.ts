import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
// The runtime compiled JSX calls (already in the core), not `h`, which would bring createElement along.
import { jsx } from 'preact/jsx-runtime';
import type { Controller } from './controller.js';

/**
 * An extra's import, tried again 1 s and then 3 s after a failure (a flaky network, or the chunk's node restarting
 * in a deploy) before it counts as failed. Browsers fetch a failed dynamic import again on the next `import()`.
 */
export const retried = <M>(load: () => Promise<M>, wait = 1e3): Promise<M> =>
  load().catch(() => new Promise((done) => setTimeout(done, wait)).then(() => (wait > 1e3 ? load() : retried(load, wait * 3))));

/**
 * A hook that imports an extra the first time a component needs it; every component after that
 * gets it at once. The import stays an `import()` so the bundler keeps the extra out of the core.
 *
 * When the import still fails after its retries, every part of the extra (any export a component reads) renders
 * one line instead of a blank area — "Something didn't load." and a Retry button that imports it again for every
 * component waiting on it. Parts are given their props, so the line reads the widget's strings from `ctl`.
 */
export function lazyModule<M>(load: () => Promise<M>): () => M | undefined {
  let loaded: M | undefined;
  let loading: Promise<void> | undefined;
  const users = new Set<(tick: object) => void>();
  const failed = ({ ctl, icons }: { readonly ctl?: Controller; readonly icons?: unknown }): VNode | undefined => {
    const strings = ctl?.store.state.config.strings;
    if (!strings) return;
    // Unstyled text (the header's or the panel's own colour, so it reads on either) and a chip, which brings its own.
    // In a row of tools (header, composer) the sentence would crowd out the title or the text box: the chip alone
    // says it (its name and tooltip hold the sentence).
    const label = `${strings.loadFailed} ${strings.retry}`;
    const retry = (): void => {
      loaded = loading = undefined;
      void start();
    };
    const chip = jsx('button', { class: 'chip', title: label, 'aria-label': label, onClick: retry, children: strings.retry });
    return jsx('div', { role: 'alert', children: icons ? chip : [strings.loadFailed, ' ', chip] });
  };
  const start = (): Promise<void> =>
    (loading ??= retried(load)
      .then(
        (module) => void (loaded = module),
        // Any part read from the stand-in is the line (it is never awaited: only components read it).
        () =>
          void (loaded = new Proxy({} as M & object, {
            get: () => failed,
          })),
      )
      .then(() => users.forEach((render) => render({}))));
  return function useModule() {
    const render = useState({})[1];
    useEffect(() => {
      users.add(render);
      void start();
      return () => void users.delete(render);
    }, []);
    return loaded;
  };
}
