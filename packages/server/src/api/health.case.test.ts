import { expect, it } from 'vitest';
import { describeEachStore } from '../testing/test-server.js';

describeEachStore('operations endpoints', (server) => {
  it('answers /healthz and /readyz with the storage dialect', async () => {
    expect((await server().request('GET', '/healthz', { auth: 'none' })).json).toEqual({ status: 'ok' });
    const ready = await server().request('GET', '/readyz', { auth: 'none' });
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', storage: server().dialect });
  });

  it('exposes Prometheus metrics with request durations by route pattern', async () => {
    await server().request('GET', '/v1/widgets');
    const metrics = await server().request('GET', '/metrics', { auth: 'none' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('parley_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/route="\/v1\/widgets"/);
    expect(metrics.body).toContain('parley_process_cpu_seconds_total');
  });

  it('publishes an OpenAPI 3.1 description of every endpoint and a browsable reference', async () => {
    const spec = await server().request('GET', '/v1/openapi.json', { auth: 'none' });
    expect(spec.json.openapi).toBe('3.1.0');
    const paths = Object.keys(spec.json.paths);
    for (const path of [
      '/v1/widgets',
      '/v1/widgets/{id}',
      '/v1/widgets/{id}/clone',
      '/v1/widgets/{id}/setup',
      '/v1/widgets/{id}/detach',
      '/v1/widgets/{id}/config',
      '/v1/widgets/{id}/sessions',
      '/v1/blueprints',
      '/v1/bots',
      '/v1/api-keys',
      '/v1/conversations/{id}/messages',
    ]) {
      expect(paths).toContain(path);
    }
    expect(spec.json.paths['/v1/widgets'].post.requestBody.content['application/json'].schema.properties.sessionDuration).toBeDefined();
    const ui = await server().request('GET', '/docs/', { auth: 'none' });
    expect(ui.status).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('answers an unknown route with the error shape', async () => {
    const response = await server().request('GET', '/v1/nothing-here', { auth: 'none' });
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('PARLEY_ERR_ROUTE_NOT_FOUND');
  });

  it('serves a home page with the embed code of a widget', async () => {
    await server().request('POST', '/v1/widgets', { body: { name: 'Home <page> widget' } });
    const home = await server().request('GET', '/', { auth: 'none' });
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toContain('text/html');
    expect(home.body).toContain('data-parley-widget=&quot;wgt_');
    expect(home.body).toContain('Home &lt;page&gt; widget');
  });
});
