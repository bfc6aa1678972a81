import ipaddr from 'ipaddr.js';

/**
 * The key every per-address limit counts a client under (volume limits, logins, the n8n endpoint, the
 * challenge gate, blocks): an IPv6 client gets a whole /64 from its provider and can hop within it at will,
 * so the /64 is what counts; IPv4 (mapped or not) counts as itself.
 */
export function addressKey(address: string): string {
  // The common case costs no parsing: a plain IPv4 address is its own key.
  if (!address.includes(':')) return address;
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${ip.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** 127.0.0.0/8 and ::1, IPv4-mapped or not. */
export function isLoopback(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}
