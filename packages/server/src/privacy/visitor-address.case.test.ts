import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, type TestServer } from '../testing/test-server.js';
import { truncate, visitorAddressKey } from './visitor-address.js';
import { scanAllTables } from '../testing/table-scan.js';
import { rowsMentioning } from './testing/subject.js';

describe('visitorAddressKey', () => {
  it('is a keyed hash by default: the same for one address (an IPv6 /64), different under another secret, never the address', () => {
    const key = visitorAddressKey('none', 'secret-one-0123456789abcdefghijklmnop');
    expect(key('203.0.113.7')).toMatch(/^h:[A-Za-z0-9_-]{22}$/);
    expect(key('203.0.113.7')).toBe(key('::ffff:203.0.113.7'));
    expect(key('203.0.113.7')).not.toBe(key('203.0.113.8'));
    expect(key('2001:db8:1:2::5')).toBe(key('2001:db8:1:2:ffff::9'));
    expect(key('2001:db8:1:2::5')).not.toBe(key('2001:db8:1:3::5'));
    expect(visitorAddressKey('none', 'secret-two-0123456789abcdefghijklmnop')('203.0.113.7')).not.toBe(key('203.0.113.7'));
    expect(key('203.0.113.7')).not.toContain('203.0.113');
  });

  it('is chosen by PARLEY_STORE_VISITOR_IP: none (default) or truncated, anything else refused', () => {
    expect(loadConfig({}).storeVisitorIp).toBe('none');
    expect(loadConfig({ PARLEY_STORE_VISITOR_IP: 'none' }).storeVisitorIp).toBe('none');
    expect(loadConfig({ PARLEY_STORE_VISITOR_IP: 'Truncated' }).storeVisitorIp).toBe('truncated');
    for (const value of ['full', 'yes', '1']) {
      expect(() => loadConfig({ PARLEY_STORE_VISITOR_IP: value })).toThrow(ConfigError);
    }
  });

  it('keeps the /24 or /48 when truncated', () => {
    const key = visitorAddressKey('truncated', 'secret-one-0123456789abcdefghijklmnop');
    expect(key('203.0.113.7')).toBe('t:203.0.113.0/24');
    expect(key('::ffff:203.0.113.7')).toBe('t:203.0.113.0/24');
    expect(key('2001:db8:1:2::5')).toBe('t:2001:db8:1::/48');
    expect(truncate('2001:db8:1:2::/64')).toBe('2001:db8:1::/48');
  });
});

async function visitorWithAddress(server: TestServer, remoteAddress: string): Promise<{ widgetId: string; conversationId: string }> {
  const { widgetId } = await createBotAndWidget(server);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress });
  expect(created.status).toBe(201);
  return { widgetId, conversationId: created.json.conversationId };
}

describeEachDialect(
  'visitor addresses (default: none stored)',
  (dialect) => startTestServer(dialect, { retention: false }),
  (server) => {
    it('stores no address anywhere, and an address block still refuses that address (and only it)', async () => {
      const s = server();
      const { widgetId, conversationId } = await visitorWithAddress(s, '198.51.100.23');
      const agent = await createAgent(s);
      const blocked = await s.request('POST', `/v1/inbox/${conversationId}/block`, {
        auth: agent.token,
        body: { scope: 'address', duration: '1d' },
      });
      expect(blocked.status).toBe(201);
      expect(rowsMentioning(await scanAllTables(s), ['198.51.100.23', '198.51.100'])).toEqual([]);
      const again = await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress: '198.51.100.23' });
      expect(again.status).toBe(403);
      expect(again.json.error.code).toBe('PARLEY_ERR_VISITOR_BLOCKED');
      expect(
        (await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress: '198.51.100.24' })).status,
      ).toBe(201);
    });

    it('rewrites addresses stored by an older version at start, and their blocks keep applying', async () => {
      const s = server();
      const { widgetId, conversationId } = await visitorWithAddress(s, '192.0.2.1');
      const { db } = s.services.database;
      // As an older version stored them: the plain address key.
      await db.updateTable('visitor_addresses').set({ address: '192.0.2.77' }).where('conversation_id', '=', conversationId).execute();
      const { rekeyStoredAddresses } = await import('./visitor-address.js');
      expect(await rekeyStoredAddresses(db, s.services.blocks.storedAddress)).toBe(1);
      const row = await db
        .selectFrom('visitor_addresses')
        .select('address')
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      expect(row.address).toBe(s.services.blocks.storedAddress('192.0.2.77'));
      const agent = await createAgent(s);
      expect(
        (await s.request('POST', `/v1/inbox/${conversationId}/block`, { auth: agent.token, body: { scope: 'address', duration: '1d' } }))
          .status,
      ).toBe(201);
      expect(
        (await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress: '192.0.2.77' })).status,
      ).toBe(403);
    });
  },
);

describeEachDialect(
  'visitor addresses (PARLEY_STORE_VISITOR_IP=truncated)',
  (dialect) => startTestServer(dialect, { retention: false }, { PARLEY_STORE_VISITOR_IP: 'truncated' }),
  (server) => {
    it('stores the /24 only, and an address block covers it', async () => {
      const s = server();
      const { widgetId, conversationId } = await visitorWithAddress(s, '198.51.100.23');
      const row = await s.services.database.db
        .selectFrom('visitor_addresses')
        .select('address')
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      expect(row.address).toBe('t:198.51.100.0/24');
      expect(rowsMentioning(await scanAllTables(s), ['198.51.100.23'])).toEqual([]);
      const agent = await createAgent(s);
      expect(
        (await s.request('POST', `/v1/inbox/${conversationId}/block`, { auth: agent.token, body: { scope: 'address', duration: '1d' } }))
          .status,
      ).toBe(201);
      expect(
        (await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress: '198.51.100.99' })).status,
      ).toBe(403);
      expect(
        (await s.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {}, remoteAddress: '198.51.101.1' })).status,
      ).toBe(201);
    });
  },
);
