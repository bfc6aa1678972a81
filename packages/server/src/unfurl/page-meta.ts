import { Parser } from 'htmlparser2';

/** What a page says about itself in its head: `<meta property|name>` values and the `<title>`. */
export interface PageMeta {
  /** Keyed by the lowercase `property` or `name`; the first of each wins, as Open Graph readers do. */
  readonly tags: ReadonlyMap<string, string>;
  readonly title: string | null;
}

/**
 * Reads the head of an HTML document with htmlparser2 (a streaming, forgiving tokenizer that decodes
 * entities in text and attributes). Reading stops where the body starts: the page's metadata lives in
 * its head, while a body's `<title>` belongs to inline SVG and its `<meta>` to microdata (an SVG's
 * title in the head is skipped for the same reason). The parser is paused there too, so the rest of
 * a page (up to 512 KB, ~10 ms of tokenizing on the event loop) is never read.
 */
export function readPageMeta(html: string): PageMeta {
  const tags = new Map<string, string>();
  let title: string | null = null;
  let inTitle = false;
  let titleText = '';
  let done = false;
  let svgDepth = 0;
  // Past the head nothing more is recorded, so parsing stops there; only a title still open is read to its end.
  const headEnded = (): void => {
    done = true;
    if (!inTitle) parser.pause();
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (done) return;
        if (name === 'body') {
          headEnded();
          return;
        }
        if (name === 'svg') svgDepth += 1;
        if (name === 'title' && title === null && svgDepth === 0) {
          inTitle = true;
          titleText = '';
        }
        if (name !== 'meta') return;
        const key = (attributes['property'] ?? attributes['name'] ?? '').trim().toLowerCase();
        const content = attributes['content'];
        if (key !== '' && content !== undefined && !tags.has(key)) tags.set(key, content);
      },
      ontext(text) {
        if (inTitle) titleText += text;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText;
          if (done) parser.pause();
        }
        if (name === 'svg') svgDepth = Math.max(0, svgDepth - 1);
        if (name === 'head') headEnded();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return { tags, title };
}
