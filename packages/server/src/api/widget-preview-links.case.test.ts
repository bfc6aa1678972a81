import { expect, it } from 'vitest';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

async function link(server: TestServer, id: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await server.request('POST', `/v1/widgets/${id}/preview-links`, { body });
  expect(response.status).toBe(201);
  expect(response.json.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  const url = new URL(response.json.url);
  return `${url.pathname}${url.search}`;
}

describeEachStore('widget preview links', (server) => {
  it('shows the draft on a signed page while visitors keep the published config', async () => {
    const created = await server().request('POST', '/v1/widgets', { body: { title: 'Published title', origin: ['https://shop.example'] } });
    const id = created.json.id;
    await server().request('PUT', `/v1/widgets/${id}/draft`, { body: { title: 'Draft title <b>', origin: ['https://shop.example'] } });
    const path = await link(server(), id);
    expect(path).toMatch(new RegExp(`^/preview/${id}\\?e=\\d+&s=`));

    const page = await server().request('GET', path, { auth: 'none' });
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toContain('text/html');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.body).toContain('"title":"Draft title \\u003cb>"');
    expect(page.body).not.toContain('Published title');
    expect(page.body).toContain('<script src="/preview.js"></script>');
    expect((await server().request('GET', '/preview.js', { auth: 'none' })).body).toContain("frame.src = '/widget-preview'");

    const visitors = await server().request('GET', `/v1/widgets/${id}/config`, { auth: 'none' });
    expect(visitors.json.strings.title).toBe('Published title');

    // Without a draft the page shows the published configuration.
    await server().request('DELETE', `/v1/widgets/${id}/draft`);
    expect((await server().request('GET', path, { auth: 'none' })).body).toContain('"title":"Published title"');
  });

  it('answers 403 for a changed link and 410 once it expired', async () => {
    const id = (await server().request('POST', '/v1/widgets', { body: { title: 'T' } })).json.id;
    const path = await link(server(), id, { ttlSeconds: 1 });
    // Valid for at least the second it was given: checked first, before the refusals below take their time.
    expect((await server().request('GET', path, { auth: 'none' })).status).toBe(200);
    const url = new URL(path, 'http://x');
    const tampered = `${url.pathname}?e=${Number(url.searchParams.get('e')) + 3600}&s=${url.searchParams.get('s')}`;
    const refused = await server().request('GET', tampered, { auth: 'none' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Preview link not valid');
    expect(refused.headers['x-parley-error']).toBe('PARLEY_ERR_PREVIEW_LINK_INVALID');
    expect(refused.body).not.toContain('parley-preview');
    const other = (await server().request('POST', '/v1/widgets', { body: {} })).json.id;
    expect((await server().request('GET', path.replace(id, other), { auth: 'none' })).status).toBe(403);
    expect((await server().request('GET', `/preview/${id}`, { auth: 'none' })).status).toBe(403);

    // Rounded up to a whole second, the link lives one to two seconds.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await server().request('GET', path, { auth: 'none' });
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('Preview link expired');
    expect(expired.headers['x-parley-error']).toBe('PARLEY_ERR_PREVIEW_LINK_EXPIRED');

    await server().request('DELETE', `/v1/widgets/${other}`);
    const fresh = await link(server(), id);
    await server().request('DELETE', `/v1/widgets/${id}`);
    const gone = await server().request('GET', fresh, { auth: 'none' });
    expect(gone.status).toBe(404);
    expect(gone.headers['x-parley-error']).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
  });

  it('is made by admins only, for widgets that exist, with a bounded lifetime', async () => {
    const id = (await server().request('POST', '/v1/widgets', { body: {} })).json.id;
    expect((await server().request('POST', `/v1/widgets/${id}/preview-links`, { auth: 'none', body: {} })).status).toBe(401);
    const missing = await server().request('POST', '/v1/widgets/wgt_01J00000000000000000000000/preview-links', { body: {} });
    expect(missing.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
    const tooLong = await server().request('POST', `/v1/widgets/${id}/preview-links`, { body: { ttlSeconds: 8 * 86_400 } });
    expect(tooLong.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'ttlSeconds' });
  });
});
