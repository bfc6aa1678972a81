import katex from 'katex';

/**
 * Sizes for the MathML: browsers draw it with their small default math font, so a display formula looked
 * tiny beside the message's text. A math font when the system has one, a size a little above the text's,
 * display formulas larger and scrollable when wider than the bubble.
 */
const MATH_CSS = `
.bub math{font-family:"STIX Two Math","Cambria Math","Latin Modern Math",math,serif;font-size:1.12em}
.bub math[display=block]{font-size:1.3em;margin:.35em 0;overflow-x:auto;overflow-y:hidden;max-width:100%;padding:2px 0}
`;
let sheet: CSSStyleSheet | undefined;

/**
 * Renders TeX as MathML, which browsers draw natively: no font files to inject into the shadow root, only
 * the few sizes above. KaTeX builds the markup from the TeX itself (`trust: false` refuses \href, \url
 * and HTML extensions), so the visitor's or bot's text never becomes markup of its own.
 */
export function renderMath(into: HTMLElement, tex: string, display: boolean): void {
  katex.render(tex, into, { output: 'mathml', displayMode: display, throwOnError: false, trust: false, strict: 'ignore' });
  const root = into.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(MATH_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
