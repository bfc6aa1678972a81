/**
 * A ref callback that gives the element's shadow root an extra's own stylesheet, once: extras bring
 * their styles with them instead of growing the core's. A constructed sheet, so a page whose CSP
 * forbids inline styles still styles them.
 */
export function adoptStyles(css: string): (element: Element | null) => void {
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
