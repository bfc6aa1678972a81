import type { PageMeta } from './page-meta.js';

/** A preview as the cache keeps it: the picture still at its own address (signed only when served). */
export interface PagePreview {
  readonly url: string;
  readonly siteName: string;
  readonly title: string;
  readonly description: string | null;
  readonly image: { readonly url: string; readonly alt: string | null } | null;
}

/** Limits in characters (code points): enough for a card, short enough that no page can flood one. */
export const PREVIEW_LIMITS = { title: 200, description: 300, siteName: 80, alt: 200 } as const;

/**
 * Picks the card's fields from what the page says, Open Graph first, then Twitter cards, then plain
 * HTML: title from og:title, twitter:title, `<title>`; description from og:description,
 * twitter:description, `<meta name=description>`; site name from og:site_name, application-name,
 * else the link's host; picture from og:image (or its secure_url / url variants), twitter:image,
 * resolved against the page's final address and kept only when it is http(s). Null when the page
 * has no title at all: a card with nothing to say is not shown.
 */
export function toPagePreview(meta: PageMeta, requested: URL, page: URL): PagePreview | null {
  const pick = (...keys: readonly string[]): string | null => {
    for (const key of keys) {
      const value = clean(meta.tags.get(key) ?? '');
      if (value !== '') return value;
    }
    return null;
  };
  const title = pick('og:title', 'twitter:title') ?? (meta.title === null ? null : clean(meta.title) || null);
  if (title === null) return null;
  const description = pick('og:description', 'twitter:description', 'description');
  const siteName = pick('og:site_name', 'application-name') ?? requested.hostname.replace(/^www\./, '');
  const imageUrl = absoluteHttp(pick('og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src'), page);
  const alt = pick('og:image:alt', 'twitter:image:alt');
  return {
    url: requested.href,
    siteName: clamp(siteName, PREVIEW_LIMITS.siteName),
    title: clamp(title, PREVIEW_LIMITS.title),
    description: description === null ? null : clamp(description, PREVIEW_LIMITS.description),
    image: imageUrl === null ? null : { url: imageUrl, alt: alt === null ? null : clamp(alt, PREVIEW_LIMITS.alt) },
  };
}

/** One line of readable text: control characters out, whitespace runs collapsed. */
function clean(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b\u2028\u2029\ufeff]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Cut at a code point (never inside a surrogate pair), with an ellipsis when something was cut. */
function clamp(text: string, limit: number): string {
  const points = Array.from(text);
  return points.length <= limit
    ? text
    : `${points
        .slice(0, limit - 1)
        .join('')
        .trimEnd()}…`;
}

function absoluteHttp(value: string | null, base: URL): string | null {
  if (value === null || !URL.canParse(value, base.href)) return null;
  const url = new URL(value, base);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}
