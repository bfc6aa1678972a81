import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { addressKey } from '../limits/address-key.js';
import type { Db } from '../store/database.js';

/** PARLEY_STORE_VISITOR_IP: `none` (default) keeps a keyed hash only; `truncated` keeps the /24 (IPv4) or /48 (IPv6). */
export type StoreVisitorIp = 'none' | 'truncated';

const HASHED = 'h:';
const TRUNCATED = 't:';

/**
 * What Parley stores of a visitor's address (the address an agent's address block refuses): never the
 * address itself. `none`: `h:` and an HMAC-SHA256 of the address key (IPv4 as itself, IPv6 by its /64)
 * under the server secret, 128 bits: the same visitor address gives the same key, so blocks keep working,
 * and without the secret it cannot be turned back into an address (nor tried against the 2^32 IPv4
 * addresses). `truncated`: `t:` and the /24 (IPv4) or /48 (IPv6) network: readable, and a block then
 * covers that network.
 */
export function visitorAddressKey(mode: StoreVisitorIp, secret: string): (address: string) => string {
  if (mode === 'truncated') return (address) => `${TRUNCATED}${truncate(address)}`;
  return (address) =>
    `${HASHED}${createHmac('sha256', secret)
      .update(`visitor-address:${addressKey(address)}`)
      .digest('base64url')
      .slice(0, 22)}`;
}

/** An IPv4 address's /24, an IPv6 address's /48 (IPv4-mapped IPv6 as IPv4); what is not an address, as it is. */
export function truncate(address: string): string {
  // Address keys (limits/address-key.ts) give an IPv6 /64 as `a:b:c:d::/64`.
  const bare = address.endsWith('/64') ? address.slice(0, -3) : address;
  if (!ipaddr.isValid(bare)) return address;
  const ip = ipaddr.process(bare);
  if (ip.kind() === 'ipv4') return `${ip.toString().split('.').slice(0, 3).join('.')}.0/24`;
  return `${ip
    .toNormalizedString()
    .split(':')
    .slice(0, 3)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`;
}

/**
 * Rewrites addresses stored before (plain address keys: remembered visitor addresses and address blocks)
 * into the form `key` gives, once at start, so no plain address stays and older blocks keep applying.
 * Rows already in a stored form (`h:`/`t:`) are left alone; so is a row in the other form after the
 * setting changes (it stops matching: the old form cannot be turned into the new one).
 */
export async function rekeyStoredAddresses(db: Db, key: (address: string) => string): Promise<number> {
  let changed = 0;
  const addresses = await db
    .selectFrom('visitor_addresses')
    .select(['conversation_id', 'address'])
    .where('address', 'not like', `${HASHED}%`)
    .where('address', 'not like', `${TRUNCATED}%`)
    .execute();
  for (const row of addresses) {
    await db
      .updateTable('visitor_addresses')
      .set({ address: key(row.address) })
      .where('conversation_id', '=', row.conversation_id)
      .execute();
    changed += 1;
  }
  const blocks = await db
    .selectFrom('visitor_blocks')
    .select(['id', 'subject'])
    .where('scope', '=', 'address')
    .where('subject', 'not like', `${HASHED}%`)
    .where('subject', 'not like', `${TRUNCATED}%`)
    .execute();
  for (const row of blocks) {
    await db
      .updateTable('visitor_blocks')
      .set({ subject: key(row.subject) })
      .where('id', '=', row.id)
      .execute();
    changed += 1;
  }
  return changed;
}
