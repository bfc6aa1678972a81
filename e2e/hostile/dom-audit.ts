import type { BrowserContext, Page } from 'playwright-core';
import { wellFormed } from './corpus.js';

/**
 * Tags the widget, the console and the host pages render themselves. Anything else in the DOM came
 * from a payload (`<marquee>`, `<x>`, `<iframe>`, `<object>`, `<math>` …). `script`, `style`, `link`
 * and `meta` are allowed only where the page itself puts them (see `audit` below).
 */
const ALLOWED_TAGS = [
  'html',
  'head',
  'body',
  'title',
  'meta',
  'link',
  'style',
  'script',
  'noscript',
  'main',
  'header',
  'footer',
  'nav',
  'section',
  'aside',
  'article',
  'h1',
  'h2',
  'h3',
  'h4',
  'div',
  'span',
  'p',
  'a',
  'button',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'strong',
  'em',
  'code',
  'kbd',
  'pre',
  'blockquote',
  'br',
  'hr',
  'small',
  'time',
  'form',
  'fieldset',
  'legend',
  'label',
  'input',
  'select',
  'option',
  'textarea',
  'img',
  'svg',
  'path',
  'circle',
  'rect',
  'g',
  'line',
  'polyline',
  'polygon',
  'details',
  'summary',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'abbr',
  'output',
  'progress',
  'figure',
  'figcaption',
];

export interface AuditResult {
  /** Elements or attributes that should not be there, each said in a line. */
  readonly problems: readonly string[];
  /** Every visible text of the page and its open shadow roots, with the texts of placeholder, value, alt, title and aria-label. */
  readonly text: string;
  /** Calls of `window.__pwned` (our payloads call it when they run). */
  readonly pwned: readonly string[];
}

/** Installs `window.__pwned` in every page of the context, before any script of the page runs. */
export async function installPwnedHook(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const calls: string[] = [];
    Object.defineProperty(window, '__pwnedCalls', { value: calls });
    Object.defineProperty(window, '__pwned', { value: (what: unknown) => void calls.push(String(what)) });
  });
}

/**
 * Keeps the page's dialogs (alert, confirm, prompt: what blns's script strings call), dismissed at
 * once, and its uncaught errors (a renderer that throws on a string shows nothing at all).
 */
export function watchPage(page: Page, into: string[]): void {
  page.on('dialog', (dialog) => {
    into.push(`a dialog opened: ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => into.push(`the page threw: ${error.message}`));
}

/**
 * Walks the whole document, every open shadow root and same-origin frame included, and reports what
 * no page of ours makes: a tag outside ALLOWED_TAGS (but for the console's own preview frame), an `on*` attribute, a `srcdoc`, a `javascript:`,
 * `vbscript:` or `data:text/html` URL, a script without a `src` from `origins`, a style, link or meta
 * outside a head or a shadow root's top level.
 */
export function auditPage(page: Page, origins: readonly string[]): Promise<AuditResult> {
  return page.evaluate(
    ({ allowed, origins }) => {
      const problems: string[] = [];
      const texts: string[] = [];
      const tags = new Set(allowed);
      const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'ping']);
      const dangerousUrl = (value: string): boolean =>
        /^(javascript|vbscript|data:text\/html)/.test(
          value
            // Browsers skip control characters and spaces inside a scheme ("java\tscript:"): so does the check.
            // eslint-disable-next-line no-control-regex
            .replace(/[\u0000-\u0020\u007f-\u009f]/g, '')
            .toLowerCase()
            .replace(/&#x?0*(106|6a);?/g, 'j'),
        );
      const describe = (element: Element): string =>
        `<${element.localName}${[...element.attributes].map((a) => ` ${a.name}="${a.value.slice(0, 60)}"`).join('')}>`;
      const walk = (root: Document | ShadowRoot | Element): void => {
        for (const node of root.childNodes) {
          if (node.nodeType === Node.TEXT_NODE) {
            const parent = node.parentElement?.localName;
            if (parent !== 'style' && parent !== 'script') texts.push(node.nodeValue ?? '');
            continue;
          }
          if (!(node instanceof Element)) continue;
          const name = node.localName;
          const parent = node.parentNode;
          const topLevel = parent instanceof ShadowRoot || (parent instanceof Element && parent.localName === 'head');
          // The console's own widget preview: a sandboxed frame of this server's /widget-preview (its document has no
          // origin of its own, so it cannot be walked; the widget inside is audited on the widget's own pages).
          const ownPreview =
            node instanceof HTMLIFrameElement &&
            node.classList.contains('preview-frame') &&
            new URL(node.src, location.href).origin === location.origin &&
            new URL(node.src, location.href).pathname === '/widget-preview';
          if (!tags.has(name) && !ownPreview) problems.push(`tag ${describe(node)}`);
          if (name === 'script') {
            const src = node.getAttribute('src');
            if (src === null || !origins.some((origin) => new URL(src, location.href).origin === origin) || node.textContent !== '') {
              problems.push(`script ${describe(node)} ${node.textContent?.slice(0, 80) ?? ''}`);
            }
          }
          if ((name === 'style' || name === 'link' || name === 'meta') && !topLevel) problems.push(`misplaced ${describe(node)}`);
          for (const attribute of node.attributes) {
            const attr = attribute.name.toLowerCase();
            if (attr.startsWith('on')) problems.push(`handler ${describe(node)}`);
            if (attr === 'srcdoc') problems.push(`srcdoc ${describe(node)}`);
            if (URL_ATTRIBUTES.has(attr) && dangerousUrl(attribute.value)) problems.push(`url ${describe(node)}`);
            if (attr === 'style' && /javascript:|expression\(|url\(/i.test(attribute.value)) problems.push(`style ${describe(node)}`);
            if (['placeholder', 'alt', 'title', 'aria-label'].includes(attr)) texts.push(attribute.value);
          }
          if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) texts.push(node.value);
          if (node.shadowRoot !== null) walk(node.shadowRoot);
          if (node instanceof HTMLIFrameElement && node.contentDocument !== null) walk(node.contentDocument);
          if (node instanceof HTMLTemplateElement) walk(node.content as unknown as Element);
          walk(node);
          texts.push('\n');
        }
      };
      walk(document);
      const pwned = (window as unknown as { __pwnedCalls?: string[] }).__pwnedCalls ?? ['the __pwned hook is missing'];
      return { problems, text: texts.join(''), pwned: [...pwned] };
    },
    { allowed: ALLOWED_TAGS, origins: [...origins] },
  );
}

/** Whitespace never counts: renderers trim, collapse and wrap it. Lone surrogates are stored as U+FFFD. */
export function plain(text: string): string {
  return wellFormed(text).replace(/\s+/g, '');
}

/**
 * What of a Markdown message must show as text: the text less whitespace and the characters Markdown
 * may consume (emphasis, code, list and link punctuation, heading and quote marks). A `<tag` that a
 * renderer parsed as HTML, or any word it dropped, is missing from the page's text.
 */
export function markdownVisible(text: string): string {
  return plain(text).replace(/[*_`#>~|+\-[\]()!\\]/g, '');
}
