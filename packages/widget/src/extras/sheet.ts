/**
 * A ref callback that gives the element's shadow root the stylesheet `css` once. For the modules of one extra only
 * (rich.tsx and the translation.tsx it carries): a module two extras import becomes a chunk of its own, a second
 * round trip (see chrome-styles.ts), so the other extras keep their own copies.
 */
export function sheetAdopter(css: string): (element: Element | null) => void {
  let sheet: CSSStyleSheet | undefined;
  return (element) => {
    const root = element?.getRootNode();
    if (!(root instanceof ShadowRoot)) return;
    if (sheet === undefined) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  };
}
