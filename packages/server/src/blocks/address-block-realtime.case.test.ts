import { expect, it } from 'vitest';
import { describeEachStoreListening, openVisitor } from '../realtime/testing/realtime-server.js';
import { connectWs } from '../realtime/testing/ws-test-client.js';

describeEachStoreListening('address blocks and live links', (server) => {
  it('closes the open link from a blocked address at once (the block names the stored form of the address, never the address)', async () => {
    const visitor = await openVisitor(server());
    const link = await connectWs({ baseUrl: server().baseUrl, token: visitor.token });
    const blocked = await server().json('POST', `/v1/inbox/${visitor.conversationId}/block`, { scope: 'address', duration: '1d' });
    expect(blocked.status).toBe(201);
    expect(blocked.body['subject']).toMatch(/^h:/);
    expect(await link.log.waitForClose()).toMatchObject({ code: 4003, reason: 'blocked' });
  });
});
