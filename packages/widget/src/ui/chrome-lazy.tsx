import type { FunctionComponent, VNode } from 'preact';
import type * as ChromeExtra from '../extras/chrome.js';
import { lazyModule } from './lazy-module.js';

type Chrome = typeof ChromeExtra;

/** The chrome extra (restart question, language picker, peek, emoji picker): imported the first time one of them shows. */
const useChrome = lazyModule(() => import('../extras/chrome.js'));

/** Renders one of the chrome extra's components once the extra is in; nothing before. */
export function LazyChrome<P extends object>({
  part,
  props,
}: {
  readonly part: (chrome: Chrome) => FunctionComponent<P>;
  readonly props: P;
}): VNode | null {
  const chrome = useChrome();
  if (chrome === undefined) return null;
  const Part = part(chrome);
  return <Part {...props} />;
}
