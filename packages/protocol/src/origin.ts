/**
 * Origin allowlist patterns: an exact origin (`https://shop.example.com`, `http://localhost:3000`)
 * or a subdomain wildcard (`https://*.example.com`, which does not match the apex `example.com`).
 * Browsers send the Origin header as `scheme://host[:port]`, so patterns are compared in that form.
 */
const ORIGIN_PATTERN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*)(:\d{1,5})?$/;

export function isValidOriginPattern(pattern: string): boolean {
  const match = ORIGIN_PATTERN.exec(pattern);
  if (!match) return false;
  const port = match[5];
  return port === undefined || Number(port.slice(1)) <= 65535;
}

export function originMatches(origin: string, pattern: string): boolean {
  const wanted = pattern.toLowerCase();
  const actual = origin.toLowerCase();
  if (!wanted.includes('*')) return actual === wanted;
  const [scheme, rest] = wanted.split('://*');
  if (scheme === undefined || rest === undefined) return false;
  const prefix = `${scheme}://`;
  if (!actual.startsWith(prefix)) return false;
  const hostAndPort = actual.slice(prefix.length);
  // `rest` is `.example.com[:port]`; at least one label must precede it.
  return hostAndPort.endsWith(rest) && hostAndPort.length > rest.length && !hostAndPort.startsWith('.');
}

/** An empty allowlist allows every origin: the widget is meant to be embeddable anywhere. */
export function isOriginAllowed(origin: string, allowlist: readonly string[]): boolean {
  return allowlist.length === 0 || allowlist.some((pattern) => originMatches(origin, pattern));
}
