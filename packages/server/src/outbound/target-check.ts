import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from './address-policy.js';
import { OutboundError } from './outbound-error.js';

/** Resolves a host name to its addresses (`dns.lookup` with `all`); tests inject their own. */
export type Resolve = (hostname: string) => Promise<readonly { readonly address: string; readonly family: number }[]>;

export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Where a request may go: the checked URL and the one address the connection is pinned to. */
export interface Target {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

export interface TargetPolicy {
  /** Which resolved addresses a request may connect to. */
  readonly permits: (address: string) => boolean;
  /** Ports other than 80 and 443 too. */
  readonly anyPort: boolean;
  readonly resolve: Resolve;
}

/**
 * Link previews' policy: public addresses on the standard ports; with PARLEY_UNFURL_ALLOW_PRIVATE
 * (tests, intranets) any address on any port. Only the shape checks (http(s), no credentials) remain then.
 */
export function targetPolicy(allowPrivate: boolean, resolve: Resolve = systemResolve): TargetPolicy {
  return { permits: allowPrivate ? () => true : isPublicAddress, anyPort: allowPrivate, resolve };
}

const STANDARD_PORTS = new Set(['', '80', '443']);

/** Checks the shape of a link before anything is resolved: http(s), no credentials, the standard ports. */
export function checkUrl(text: string, policy: Pick<TargetPolicy, 'anyPort'>): URL {
  if (!URL.canParse(text)) throw new OutboundError('invalid', `${JSON.stringify(text.slice(0, 200))} is not an absolute URL.`);
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('invalid', `Only http and https links are previewed, not ${url.protocol.slice(0, -1)}.`);
  }
  if (url.username !== '' || url.password !== '')
    throw new OutboundError('invalid', 'Links with a user name or password are not previewed.');
  if (!policy.anyPort && !STANDARD_PORTS.has(url.port)) {
    throw new OutboundError('invalid', `Only the standard ports 80 and 443 are previewed, not ${url.port}.`);
  }
  url.hash = '';
  return url;
}

/** The URL's host as the checks and the socket take it: URL keeps IPv6 literals in brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves the link's host once and picks an address the policy allows. The caller connects to that
 * very address (see pinnedLookup), so a second DNS answer cannot swap in a private one between the
 * check and the connection (DNS rebinding). When a name has both kinds, a permitted one is used and
 * the others are never contacted.
 */
export async function resolveTarget(url: URL, policy: TargetPolicy): Promise<Target> {
  const host = bareHost(url);
  const candidates = isIP(host) === 0 ? await resolveName(host, policy.resolve) : [{ address: host, family: isIP(host) }];
  const allowed = candidates.find((candidate) => policy.permits(candidate.address));
  if (allowed === undefined) {
    const addresses = candidates.map((c) => c.address).join(', ');
    throw new OutboundError(
      'refused',
      isIP(host) === 0 ? `${url.hostname} resolves to ${addresses}, which is not a public address.` : `${host} is not a public address.`,
    );
  }
  return { url, address: allowed.address, family: allowed.family === 6 ? 6 : 4 };
}

async function resolveName(hostname: string, resolve: Resolve): Promise<readonly { address: string; family: number }[]> {
  try {
    const found = await resolve(hostname);
    if (found.length > 0) return found;
  } catch {
    // Unknown name, no network: both mean there is no page to preview, said below.
  }
  throw new OutboundError('unavailable', `${hostname} could not be resolved.`);
}

/** Hands the socket the address that was checked, whatever the host name would resolve to now. */
export function pinnedLookup(target: Target): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}
