import ipaddr from 'ipaddr.js';

/**
 * The key an address is counted under: an IPv6 client gets a whole /64 from its provider and can hop
 * within it at will, so the /64 is what counts; IPv4 (mapped or not) counts as itself.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${ip.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** 127.0.0.0/8 and ::1, IPv4-mapped or not. */
export function isLoopback(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}
