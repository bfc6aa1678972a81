import katex from 'katex';

/**
 * Renders TeX as MathML, which browsers draw natively: no font files or stylesheet to inject into
 * the shadow root. KaTeX builds the markup from the TeX itself (`trust: false` refuses \href, \url
 * and HTML extensions), so the visitor's or bot's text never becomes markup of its own.
 */
export function renderMath(into: HTMLElement, tex: string, display: boolean): void {
  katex.render(tex, into, { output: 'mathml', displayMode: display, throwOnError: false, trust: false, strict: 'ignore' });
}
