import { expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('canned responses shared by the team', (server) => {
  it('starts a new install with the everyday responses, owned by admins', async () => {
    const agent = await createAgent(server());
    const listed = await server().request('GET', '/v1/canned-responses', { auth: agent.token });
    const thanks = (listed.json.items as { shortcut: string; text: string; createdBy: string }[]).find(
      (item) => item.shortcut === 'thanks',
    );
    expect(thanks).toMatchObject({ text: 'Thank you for your patience!', createdBy: 'admin' });
  });

  it('lets an agent add a response every other agent then reads, sorted by shortcut', async () => {
    const ada = await createAgent(server());
    const grace = await createAgent(server());
    const shortcut = `hours-${Math.random().toString(36).slice(2, 8)}`;
    const created = await server().request('POST', '/v1/canned-responses', {
      auth: ada.token,
      body: { shortcut, text: 'We answer **9–17**, Monday to Friday.' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      object: 'canned_response',
      shortcut,
      createdBy: ada.id,
      text: 'We answer **9–17**, Monday to Friday.',
    });
    expect(created.json.id).toMatch(/^cr_/);
    const listed = await server().request('GET', '/v1/canned-responses', { auth: grace.token });
    expect(listed.status).toBe(200);
    const shortcuts = (listed.json.items as { shortcut: string }[]).map((item) => item.shortcut);
    expect(shortcuts).toContain(shortcut);
    expect(shortcuts).toEqual([...shortcuts].sort());
  });

  it('refuses a shortcut another response has, and shortcuts outside a–z, 0–9, _ and -', async () => {
    const agent = await createAgent(server());
    const shortcut = `dup-${Math.random().toString(36).slice(2, 8)}`;
    await server().request('POST', '/v1/canned-responses', { auth: agent.token, body: { shortcut, text: 'one' } });
    const again = await server().request('POST', '/v1/canned-responses', { auth: agent.token, body: { shortcut, text: 'two' } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'PARLEY_ERR_CANNED_RESPONSE_SHORTCUT_TAKEN', field: 'shortcut' });
    for (const bad of ['Hello', 'with space', '', 'x'.repeat(33), 'émoji']) {
      const refused = await server().request('POST', '/v1/canned-responses', { auth: agent.token, body: { shortcut: bad, text: 'x' } });
      expect(refused.status).toBe(400);
      expect(refused.json.error.field).toBe('shortcut');
    }
  });

  it('lets the author and admins change or remove a response, and nobody else', async () => {
    const author = await createAgent(server());
    const colleague = await createAgent(server());
    const admin = await createAgent(server(), { role: 'admin' });
    const shortcut = `ship-${Math.random().toString(36).slice(2, 8)}`;
    const created = await server().request('POST', '/v1/canned-responses', {
      auth: author.token,
      body: { shortcut, text: 'Ships in 2 days.' },
    });
    const path = `/v1/canned-responses/${created.json.id}`;

    const refused = await server().request('PATCH', path, { auth: colleague.token, body: { text: 'Ships never.' } });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('PARLEY_ERR_CANNED_RESPONSE_NOT_YOURS');
    expect((await server().request('DELETE', path, { auth: colleague.token })).status).toBe(403);

    const changed = await server().request('PATCH', path, { auth: author.token, body: { text: 'Ships in 3 days.' } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ shortcut, text: 'Ships in 3 days.' });
    const renamed = await server().request('PATCH', path, { auth: admin.token, body: { shortcut: `${shortcut}-eu` } });
    expect(renamed.json.shortcut).toBe(`${shortcut}-eu`);

    expect((await server().request('DELETE', path, { auth: admin.token })).status).toBe(204);
    const gone = await server().request('PATCH', path, { auth: author.token, body: { text: 'x' } });
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('PARLEY_ERR_CANNED_RESPONSE_NOT_FOUND');
  });

  it('answers a rename onto a taken shortcut with the conflict, and refuses requests without a login', async () => {
    const agent = await createAgent(server());
    const a = `a-${Math.random().toString(36).slice(2, 8)}`;
    const b = `b-${Math.random().toString(36).slice(2, 8)}`;
    await server().request('POST', '/v1/canned-responses', { auth: agent.token, body: { shortcut: a, text: 'A' } });
    const second = await server().request('POST', '/v1/canned-responses', { auth: agent.token, body: { shortcut: b, text: 'B' } });
    const clash = await server().request('PATCH', `/v1/canned-responses/${second.json.id}`, { auth: agent.token, body: { shortcut: a } });
    expect(clash.status).toBe(409);
    expect((await server().request('GET', '/v1/canned-responses', { auth: 'none' })).status).toBe(401);
  });
});
