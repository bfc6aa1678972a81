import { expect, it } from 'vitest';
import { describeEachStoreListening, openVisitor } from '../realtime/testing/realtime-server.js';
import { connectWs, rawWs } from '../realtime/testing/ws-test-client.js';

/** A connect the server refuses: it closes without a welcome. */
async function refused(baseUrl: string, token: string, origin: string): Promise<number> {
  const attempt = await rawWs(baseUrl, token, origin);
  attempt.ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
  const closed = await attempt.log.waitForClose();
  expect(attempt.log.frames.some((frame) => frame.type === 'welcome')).toBe(false);
  return closed.code;
}

describeEachStoreListening('conversation links and live connections', (server) => {
  it('lets a link’s session connect from the server’s own origin, and closes it at once when the link is revoked', async () => {
    const visitor = await openVisitor(server(), { origin: ['https://shop.example'] });
    const made = await server().json('POST', `/v1/conversations/${visitor.conversationId}/links`, {}, visitor.token, {
      origin: 'https://shop.example',
    });
    expect(made.status).toBe(201);
    const url = new URL(String(made.body['url']));
    const page = await fetch(`${server().baseUrl}${url.pathname}${url.search}`);
    const boot = JSON.parse(/id="parley-link">(.*?)<\/script>/s.exec(await page.text())?.[1] ?? '{}') as { session: { token: string } };

    const phone = await connectWs({ baseUrl: server().baseUrl, token: boot.session.token, origin: url.origin });
    const desktop = await connectWs({ baseUrl: server().baseUrl, token: visitor.token, origin: 'https://shop.example' });
    // Elsewhere than the server's own page, the widget's allowlist holds for the link's session too.
    expect(await refused(server().baseUrl, boot.session.token, 'https://evil.example')).toBe(4003);

    const revoked = await server().json('DELETE', `/v1/conversations/${visitor.conversationId}/links/${String(made.body['id'])}`);
    expect(revoked.status).toBe(200);
    expect(await phone.log.waitForClose()).toMatchObject({ code: 4003, reason: 'link revoked' });
    // The visitor's own link is not the conversation link's: it stays.
    expect(desktop.log.closeInfo).toBeUndefined();
    expect([4001, 4003]).toContain(await refused(server().baseUrl, boot.session.token, url.origin));
    await desktop.close();
  });
});
