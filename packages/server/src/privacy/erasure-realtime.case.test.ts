import { expect, it } from 'vitest';
import { describeEachStoreListening, openVisitor } from '../realtime/testing/realtime-server.js';
import { connectWs, rawWs } from '../realtime/testing/ws-test-client.js';

describeEachStoreListening('erasure and live links', (server) => {
  it('closes the open link of an erased conversation at once, and refuses its token on the next connect', async () => {
    const gone = await openVisitor(server());
    const kept = await openVisitor(server());
    const goneLink = await connectWs({ baseUrl: server().baseUrl, token: gone.token });
    const keptLink = await connectWs({ baseUrl: server().baseUrl, token: kept.token });

    await server().services.privacy.eraseConversations([gone.conversationId]);
    expect(await goneLink.log.waitForClose()).toMatchObject({ code: 4003, reason: 'erased' });
    expect(keptLink.log.closeInfo).toBeUndefined();

    const again = await rawWs(server().baseUrl, gone.token);
    again.ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
    const closed = await again.log.waitForClose();
    expect(again.log.frames.some((frame) => frame.type === 'welcome')).toBe(false);
    expect([4001, 4003]).toContain(closed.code);
    const rest = await server().json('GET', `/v1/conversations/${gone.conversationId}/messages`, undefined, gone.token);
    expect(rest.status).toBe(401);
    await keptLink.close();
  });
});
