import { TextDecoder } from 'node:util';
import { Parser } from 'htmlparser2';

/** How many bytes the HTML standard's prescan reads looking for a `<meta charset>`. */
const PRESCAN_BYTES = 1024;

/**
 * An HTML body as text, in the encoding the page says it is in: a byte order mark first, then the
 * Content-Type charset, then a `<meta charset>` or `<meta http-equiv="content-type">` in the first
 * 1024 bytes (the standard's prescan, read with the same HTML parser as the rest), else UTF-8.
 * Labels TextDecoder does not know fall through to the next source.
 */
export function decodeHtml(body: Buffer, headerCharset: string | null): string {
  const bom = byteOrderMark(body);
  if (bom !== null) return new TextDecoder(bom).decode(body);
  // The prescan runs only when the header names no charset TextDecoder knows.
  const decoder = decoderFor(headerCharset) ?? decoderFor(metaCharset(body)) ?? new TextDecoder('utf-8');
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(body) : decoder.decode(body);
}

/** 0x80–0x9F of windows-1252 (undefined bytes stay as their C1 code point, as the standard says). */
const WINDOWS_1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

/**
 * Node's TextDecoder reads windows-1252 as ISO-8859-1 (0x80–0x9F become control characters), yet
 * it is the encoding behind every `iso-8859-1`, `latin1` and `us-ascii` label on the web, and those
 * bytes are its curly quotes and dashes. So it is decoded here.
 */
function decodeWindows1252(body: Buffer): string {
  return body.toString('latin1').replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

function byteOrderMark(body: Buffer): string | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return null;
}

function decoderFor(label: string | null): TextDecoder | null {
  if (label === null) return null;
  try {
    const decoder = new TextDecoder(label.trim().toLowerCase());
    // A page cannot be UTF-16 by its own ASCII-compatible declaration; the standard reads it as UTF-8.
    return decoder.encoding.startsWith('utf-16') ? new TextDecoder('utf-8') : decoder;
  } catch {
    return null; // Unknown label: the next source decides.
  }
}

function metaCharset(body: Buffer): string | null {
  let found: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (found !== null || name !== 'meta') return;
        if (attributes['charset'] !== undefined) found = attributes['charset'];
        else if (attributes['http-equiv']?.toLowerCase() === 'content-type') found = charsetParameter(attributes['content'] ?? '');
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  // latin1 maps every byte to one character, so ASCII markup reads the same in any ASCII-compatible encoding.
  parser.end(body.subarray(0, PRESCAN_BYTES).toString('latin1'));
  return found;
}

function charsetParameter(content: string): string | null {
  const at = content.toLowerCase().indexOf('charset=');
  if (at < 0) return null;
  const value =
    content
      .slice(at + 'charset='.length)
      .trim()
      .replace(/^["']/, '')
      .split(/[\s;"']/)[0] ?? '';
  return value === '' ? null : value;
}
