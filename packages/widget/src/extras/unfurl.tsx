import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LinkPreview as Preview, Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import { firstLink, loadPreview } from './unfurl-source.js';

// Link previews: loaded the first time a message with a link shows while the widget's `unfurl` is on.

/**
 * A compact card: a square thumbnail of fixed size (its picture arriving later moves nothing), the
 * site, the title as the link, and two lines of description. Colours come from the theme's custom
 * properties, so the dark theme and a site's own colours apply; logical properties keep RTL right.
 */
const UNFURL_CSS = `
.unf{display:flex;gap:10px;align-items:flex-start;width:min(82%,340px);margin:4px 0 2px;padding:8px;border:1px solid var(--p-line);border-radius:12px;background:var(--p-bg);color:var(--p-fg);font-size:13.5px;line-height:1.35}
.unf img{flex:none;width:64px;height:64px;border-radius:8px;object-fit:cover;background:var(--p-soft)}
.unf div{flex:1;min-width:0}
.unf .site{display:block;color:var(--p-muted);font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.unf a,.unf p{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden;overflow-wrap:anywhere}
.unf a{color:var(--p-fg);font-weight:600;text-decoration:none}
.unf a:hover,.unf a:focus-visible{text-decoration:underline}
.unf p{margin:2px 0 0;color:var(--p-muted)}
`;
let sheet: CSSStyleSheet | undefined;

/**
 * A ref callback: the widget's shadow root gets the card's styles once. (Like rich.tsx's, on purpose
 * not shared: a module two extras import becomes a chunk of its own, fetched only after the extra —
 * a second round trip before the card can show.)
 */
function adoptUnfurlStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(UNFURL_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** The preview of a message's first link, under the message; nothing while it loads or when there is none. */
export function LinkPreview({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode | null {
  const link = firstLink(message.text);
  // A preview that failed while offline is asked for again when the browser is back online.
  const { online } = useView(ctl.store);
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    if (link === null || !online) return;
    let current = true;
    void loadPreview(ctl, link).then((loaded) => current && setPreview(loaded));
    return () => {
      current = false;
    };
  }, [link, online]);
  if (link === null || preview === null) return null;
  return (
    <div class="unf" ref={adoptUnfurlStyles}>
      {preview.image !== null && (
        // The title says what the picture shows unless the page described it: then it is decoration (empty alt).
        <img
          src={preview.image.url}
          alt={preview.image.alt ?? ''}
          width={64}
          height={64}
          loading="lazy"
          decoding="async"
          referrerpolicy="no-referrer"
        />
      )}
      <div dir="auto">
        <span class="site">{preview.siteName}</span>
        <a href={link} target="_blank" rel="noopener noreferrer nofollow">
          {preview.title}
        </a>
        {preview.description !== null && <p>{preview.description}</p>}
      </div>
    </div>
  );
}
