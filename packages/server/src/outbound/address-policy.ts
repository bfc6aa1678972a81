import ipaddr from 'ipaddr.js';

/**
 * Which addresses a server-side request may connect to unless the operator allowed private ones for
 * that resource. A link preview is fetched on a visitor's say-so and a bot's URL is whatever a console
 * admin typed, so without this a chat message or a bot form could make the server read its own admin
 * port, the cloud metadata service (169.254.169.254) or anything on the private network.
 *
 * The rule is an allowlist: an IPv4 address must be ordinary unicast (ipaddr.js's `unicast` range,
 * which leaves out 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 * 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, multicast, 240/4 and broadcast).
 * An IPv6 address must be global unicast (2000::/3) and not one of the special blocks inside it
 * (documentation, benchmarking, ORCHID, Teredo, 6to4 — the last two tunnel to IPv4 addresses we
 * cannot see). IPv6 forms that carry an IPv4 address in their last 32 bits (IPv4-mapped
 * ::ffff:0:0/96, SIIT ::ffff:0:0:0/96, the well-known NAT64 prefix 64:ff9b::/96) are judged by that
 * IPv4 address; the local-use NAT64 prefix 64:ff9b:1::/48 may place it elsewhere, so it is refused.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = ipaddr.IPv6.parse(address);
  if (v6.range() === 'ipv4Mapped' || v6.range() === 'rfc6145' || v6.match(WELL_KNOWN_NAT64)) {
    return new ipaddr.IPv4(v6.toByteArray().slice(12, 16)).range() === 'unicast';
  }
  return v6.match(GLOBAL_UNICAST) && v6.range() === 'unicast';
}

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
