import { describe, expect, it } from 'vitest';
import { decodeHtml } from './html-text.js';
import { readPageMeta } from './page-meta.js';
import { PREVIEW_LIMITS, toPagePreview } from './page-preview.js';

const LINK = new URL('https://www.example.com/post?id=1');
const preview = (html: string, page = LINK) => toPagePreview(readPageMeta(html), LINK, page);

describe('link preview from a page', () => {
  it('takes Open Graph first: title, description, site name, picture and its alt text', () => {
    const html = `<!doctype html><html><head>
      <title>Plain title</title>
      <meta name="description" content="Plain description">
      <meta name="twitter:title" content="Twitter title">
      <meta property="og:title" content="OG title">
      <meta property="og:description" content="OG description">
      <meta property="og:site_name" content="Example News">
      <meta property="og:image" content="/img/cover.png">
      <meta property="og:image:alt" content="A red bicycle">
    </head><body><h1>Hi</h1></body></html>`;
    expect(preview(html)).toEqual({
      url: 'https://www.example.com/post?id=1',
      siteName: 'Example News',
      title: 'OG title',
      description: 'OG description',
      image: { url: 'https://www.example.com/img/cover.png', alt: 'A red bicycle' },
    });
  });

  it('falls back to Twitter card tags, then to <title> and the meta description', () => {
    const twitter = preview(`<head><meta name="twitter:title" content="T title"><meta name="twitter:description" content="T text">
      <meta name="twitter:image" content="https://cdn.example.net/t.jpg"><title>Plain</title></head>`);
    expect(twitter).toMatchObject({ title: 'T title', description: 'T text', image: { url: 'https://cdn.example.net/t.jpg', alt: null } });
    const plain = preview('<html><head><title> Just a\n  title </title><meta name="Description" content="About it"></head></html>');
    expect(plain).toEqual({ url: LINK.href, siteName: 'example.com', title: 'Just a title', description: 'About it', image: null });
  });

  it('decodes entities in the title and in attribute values', () => {
    const result = preview(
      '<head><title>Tom &amp; Jerry &#8211; &quot;cartoons&quot; &eacute;t&eacute;</title><meta property="og:description" content="Caf&eacute; &lt;b&gt;bold&lt;/b&gt; &#x1F600;"></head>',
    );
    expect(result?.title).toBe('Tom & Jerry – "cartoons" été');
    expect(result?.description).toBe('Café <b>bold</b> 😀');
  });

  it('reads only the head: a <title> inside an inline SVG or the body does not count', () => {
    expect(preview('<head><svg><title>Icon</title></svg><title>Real</title></head>')?.title).toBe('Real');
    expect(preview('<head></head><body><svg><title>Icon</title></svg><meta property="og:title" content="Late"></body>')).toBeNull();
  });

  it('makes no preview of a page without any title', () => {
    expect(preview('<head><meta name="description" content="No title here"></head>')).toBeNull();
    expect(preview('<head><title>   </title></head>')).toBeNull();
  });

  it('resolves a relative picture against the page it ended on and keeps only http(s) pictures', () => {
    const moved = new URL('https://blog.example.org/2024/post/');
    expect(preview('<head><title>x</title><meta property="og:image" content="../cover.webp"></head>', moved)?.image?.url).toBe(
      'https://blog.example.org/2024/cover.webp',
    );
    expect(preview('<head><title>x</title><meta property="og:image" content="javascript:alert(1)"></head>')?.image).toBeNull();
    expect(preview('<head><title>x</title><meta property="og:image" content="data:image/png;base64,AAAA"></head>')?.image).toBeNull();
  });

  it('trims every field to its limit without splitting a character, and removes control characters', () => {
    const long = '😀'.repeat(500);
    const result = preview(`<head><title>a\u0000b\u200bc</title><meta property="og:description" content="${long}"></head>`);
    expect(result?.title).toBe('a b c');
    expect(Array.from(result?.description ?? '')).toHaveLength(PREVIEW_LIMITS.description);
    expect(result?.description?.endsWith('😀…')).toBe(true);
  });
});

describe('decodeHtml', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('uses the Content-Type charset', () => {
    expect(decodeHtml(latin1('<title>caf\xe9</title>'), 'ISO-8859-1')).toBe('<title>café</title>');
  });

  it('finds <meta charset> and <meta http-equiv> in the first 1024 bytes when the header says nothing', () => {
    expect(decodeHtml(latin1('<meta charset="windows-1252"><title>\x93quoted\x94</title>'), null)).toContain('“quoted”');
    const equiv = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><title>\xa4</title>';
    expect(decodeHtml(latin1(equiv), null)).toContain('<title>€</title>');
    const late = `${' '.repeat(1100)}<meta charset="iso-8859-1"><title>\xe9</title>`;
    expect(decodeHtml(latin1(late), null)).toContain('\ufffd');
  });

  it('reads Shift_JIS, a byte order mark, and falls back to UTF-8 for unknown labels', () => {
    const sjis = Buffer.from([0x3c, 0x74, 0x3e, 0x93, 0xfa, 0x96, 0x7b, 0x3c, 0x2f, 0x74, 0x3e]); // <t>日本</t>
    expect(decodeHtml(sjis, 'Shift_JIS')).toBe('<t>日本</t>');
    expect(decodeHtml(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('<t>é</t>')]), 'iso-8859-1')).toBe('<t>é</t>');
    expect(decodeHtml(Buffer.from('<t>é</t>'), 'x-no-such-charset')).toBe('<t>é</t>');
    expect(decodeHtml(Buffer.from('<meta charset="utf-16"><t>é</t>'), null)).toContain('<t>é</t>');
  });
});
