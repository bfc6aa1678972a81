import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@parley/protocol';
import { DRAIN_PACE_PER_SECOND } from './rebalancer.js';
import { openVisitor, startRealtimeServer } from './testing/realtime-server.js';
import { connectWs } from './testing/ws-test-client.js';

describe('gateway drain spread [sqlite]', () => {
  it('tells each connection to come back after its own wait, within the spread for that many connections', async () => {
    const server = await startRealtimeServer('sqlite');
    try {
      const { token } = await openVisitor(server);
      const clients = await Promise.all(Array.from({ length: 60 }, () => connectWs({ baseUrl: server.baseUrl, token })));
      await server.close();
      const waits: number[] = [];
      for (const client of clients) {
        const frame = await client.log.waitFor((f) => f.type === 'reconnect');
        if (frame.type === 'reconnect') waits.push(frame.afterMs);
        expect((await client.log.waitForClose()).code).toBe(CLOSE_CODES.SERVER_RESTART.code);
        expect(client.log.frames.filter((f) => f.type === 'reconnect')).toHaveLength(1);
      }
      const spreadMs = (clients.length / DRAIN_PACE_PER_SECOND) * 1000;
      for (const wait of waits) {
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(spreadMs);
      }
      // Spread, not one moment for all (60 uniform draws over 30 values all alike: never).
      expect(new Set(waits).size).toBeGreaterThan(1);
    } finally {
      await server.close();
    }
  });
});
