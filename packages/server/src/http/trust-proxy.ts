import ipaddr from 'ipaddr.js';

/**
 * Which peers may tell us a client's address in `X-Forwarded-For` (and the scheme and host in
 * `X-Forwarded-Proto`/`-Host`). Off by default: anyone can write those headers, so believing them from
 * any peer let a forged header walk around every limit keyed on the client address (login attempts,
 * the n8n endpoint) and put a made-up address in the logs.
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  /** Peers whose address is in one of these (addresses, CIDRs, or proxy-addr's loopback/linklocal/uniquelocal). */
  | { readonly kind: 'addresses'; readonly ranges: readonly string[] }
  /** Believe this many hops from the socket inward, whoever they are: only when nodes are unreachable except through the proxies. */
  | { readonly kind: 'hops'; readonly count: number };

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** PARLEY_TRUST_PROXY's text → a TrustProxy, or the reason it is not one (config.ts turns it into a ConfigError). */
export function parseTrustProxy(text: string | undefined): TrustProxy | string {
  if (text === undefined || ['0', 'false', 'off', 'none'].includes(text.toLowerCase())) return { kind: 'none' };
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    return count >= 1 && count <= 10 ? { kind: 'hops', count } : 'a hop count must be from 1 to 10';
  }
  const ranges = text.split(',').map((item) => item.trim());
  const wrong = ranges.find((range) => !NAMED_RANGES.has(range.toLowerCase()) && !isAddressOrCidr(range));
  if (wrong !== undefined) {
    return `${JSON.stringify(wrong)} is neither an IP address, a CIDR such as 10.0.0.0/8, loopback, linklocal nor uniquelocal (or give a hop count such as 1)`;
  }
  return { kind: 'addresses', ranges: ranges.map((range) => (NAMED_RANGES.has(range.toLowerCase()) ? range.toLowerCase() : range)) };
}

/** Dotted-quad IPv4 or IPv6, with an optional prefix length ("0.5" and other legacy IPv4 forms are typos here, not addresses). */
function isAddressOrCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const valid = ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address);
  if (!valid || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const max = ipaddr.IPv6.isValid(address) ? 128 : 32;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max;
}

/** Fastify's `trustProxy` option for it. */
export function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  switch (trust.kind) {
    case 'none':
      return false;
    case 'addresses':
      return [...trust.ranges];
    case 'hops': {
      // Fastify 5.12 turns a number into "trust nobody" (a hop count cannot tell a proxy from a client
      // that reached the node directly); an operator who says the nodes are only reachable through N
      // proxies gets Express's meaning: hop 0 is the socket's peer, hops below N are proxies.
      const { count } = trust;
      return (_address, hop) => hop < count;
    }
  }
}

/**
 * onRequest: with no proxy trusted, the first request that arrives with X-Forwarded-For says so in
 * the log, once per process. An operator who upgrades behind nginx without setting
 * PARLEY_TRUST_PROXY would otherwise find every visitor counted as the proxy's address by the limits
 * (one visitor's burst slowing everyone), with nothing pointing at the cause.
 */
export function untrustedProxyNotice(
  trust: TrustProxy,
  log: { warn(details: object, message: string): void },
): (request: { readonly headers: Readonly<Record<string, unknown>>; readonly ip: string }) => Promise<void> {
  let told = trust.kind !== 'none';
  return async (request) => {
    if (told || request.headers['x-forwarded-for'] === undefined) return;
    told = true;
    log.warn(
      { peer: request.ip },
      `a request came with X-Forwarded-For from ${request.ip}, but PARLEY_TRUST_PROXY is not set: the header is ignored and every client behind that proxy counts as ${request.ip} for rate limits. If ${request.ip} is your reverse proxy, set PARLEY_TRUST_PROXY=${request.ip}.`,
    );
  };
}
