import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from '@parley/protocol';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { WebhookReceiver, type Received } from './testing/webhook-receiver.js';

/**
 * docs/integrations.md's recipes, run: the Node receiver (examples/webhooks/receiver.mjs, which the doc
 * quotes whole) as its own process against real deliveries, and the n8n workflow's code node against a
 * real delivery. n8n itself is not run: the workflow's shape is checked, its HTTP call to the CRM is not made.
 */
const ROOT = new URL('../../../../', import.meta.url);
const RECEIVER = new URL('examples/webhooks/receiver.mjs', ROOT);
const WORKFLOW = new URL('examples/webhooks/n8n-contacts-to-hubspot.json', ROOT);
const SHOP = 'https://shop.example.com';
const timings = { pollMs: 50, baseDelayMs: 20, maxDelayMs: 100 };

let server: TestServer;
let widgetId: string;
beforeAll(async () => {
  server = await startTestServer('sqlite', { webhooks: { timings } }, { PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' });
  ({ widgetId } = await createBotAndWidget(server, { origin: [SHOP] }));
});
afterAll(() => server.close());

async function subscribe(url: string, enabled = true): Promise<{ id: string; secret: string }> {
  const created = await server.request('POST', '/v1/webhooks', {
    body: { url, events: ['contact.created', 'contact.updated', 'contact.merged'], widgetId, enabled },
  });
  if (created.status !== 201) throw new Error(`subscription failed: ${created.body}`);
  return created.json;
}

async function newContact(name: string, email: string): Promise<void> {
  await openSession(server, widgetId, { contact: { name, email } }, { origin: SHOP });
}

/** The example receiver as its own process; resolves once it listens, with its URL and the lines it prints. */
async function startExample(secret: string): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, [RECEIVER.pathname], {
    env: { PATH: process.env['PATH'] ?? '', PARLEY_WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  if (child.stdout === null || child.stderr === null) throw new Error('no pipes');
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const stderr = createInterface({ input: child.stderr });
  for await (const line of stderr) {
    const url = /listening on (\S+)/.exec(line)?.[1];
    if (url !== undefined) return { child, url, lines };
  }
  throw new Error('the example receiver exited before listening');
}

async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('the OpenAPI document', () => {
  it('has a webhooks entry per event type, its body the envelope schema of that type', async () => {
    const spec = (await server.request('GET', '/v1/openapi.json', { auth: 'none' })).json;
    expect(Object.keys(spec.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT].sort());
    for (const type of [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT]) {
      const ref: string = spec.webhooks[type].post.requestBody.content['application/json'].schema.$ref;
      const schema = spec.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(schema).toMatchObject({
        type: 'object',
        // @fastify/swagger writes const as a one-value enum.
        properties: { type: { enum: [type] }, version: { enum: [1] }, data: { type: 'object' } },
        required: ['type', 'timestamp', 'version', 'data'],
      });
    }
    const merged = spec.components.schemas.WebhookContactMerged.properties.data;
    expect(merged.required).toEqual(['contact', 'mergedContactId', 'conversations']);
    expect(merged.properties.contact.properties.email).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
  });
});

describe('integration recipes (docs/integrations.md)', () => {
  it('the doc quotes the example receiver whole', () => {
    const doc = readFileSync(new URL('docs/integrations.md', ROOT), 'utf8');
    expect(doc).toContain('```js\n' + readFileSync(RECEIVER, 'utf8') + '```');
  });

  it('the Node receiver verifies real deliveries with standardwebhooks, handles them, and refuses a wrong signature', async () => {
    // Its secret first (the subscription disabled), then its URL once the receiver listens.
    const good = await subscribe('http://127.0.0.1:9/', false);
    const example = await startExample(good.secret);
    try {
      await server.request('PATCH', `/v1/webhooks/${good.id}`, { body: { url: example.url, enabled: true } });
      // Another subscription to the same receiver signs with its own secret: the receiver must refuse it.
      const other = await subscribe(example.url);
      await newContact('Ana Lima', 'ana@example.com');
      await until(() => example.lines.length > 0);
      expect(JSON.parse(example.lines[0] ?? '')).toMatchObject({
        type: 'contact.created',
        data: { contact: { name: 'Ana Lima', email: 'ana@example.com', widgetId } },
      });
      const refused = async () => (await server.request('GET', `/v1/webhooks/${other.id}/deliveries`)).json.items[0];
      await until(async () => (await refused())?.lastStatus === 401);
      const delivered = (await server.request('GET', `/v1/webhooks/${good.id}/deliveries`)).json.items[0];
      expect(delivered).toMatchObject({ status: 'delivered', lastStatus: 204 });
      // A replay resends the same webhook-id: the receiver answers 2xx without handling it twice.
      const replay = await server.request('POST', `/v1/webhooks/${good.id}/deliveries/${delivered.id}/replay`);
      expect(replay.status).toBe(202);
      await until(
        async () => (await server.request('GET', `/v1/webhooks/${good.id}/deliveries/${replay.json.id}`)).json.lastStatus === 204,
      );
      expect(example.lines).toHaveLength(1);
      await server.request('DELETE', `/v1/webhooks/${other.id}`);
      await server.request('DELETE', `/v1/webhooks/${good.id}`);
    } finally {
      example.child.kill();
      await once(example.child, 'exit');
    }
  });

  describe('the n8n workflow', () => {
    interface N8nNode {
      readonly name: string;
      readonly type: string;
      readonly typeVersion: number;
      readonly position: [number, number];
      readonly parameters: Record<string, unknown>;
    }
    const workflow = JSON.parse(readFileSync(WORKFLOW, 'utf8')) as {
      nodes: N8nNode[];
      connections: Record<string, { main: { node: string; type: string; index: number }[][] }>;
    };
    const node = (type: string): N8nNode => {
      const found = workflow.nodes.find((candidate) => candidate.type === type);
      if (found === undefined) throw new Error(`no ${type} node`);
      return found;
    };

    it('is an importable workflow: named nodes of known types, a chain from the webhook to the CRM call', () => {
      const names = workflow.nodes.map((candidate) => candidate.name);
      expect(new Set(names).size).toBe(names.length);
      for (const candidate of workflow.nodes) {
        expect(candidate.type).toMatch(/^n8n-nodes-base\.(webhook|code|httpRequest)$/);
        expect(candidate.typeVersion).toBeGreaterThan(0);
        expect(candidate.position).toHaveLength(2);
      }
      for (const [from, { main }] of Object.entries(workflow.connections)) {
        expect(names).toContain(from);
        for (const target of main.flat()) expect(names).toContain(target.node);
      }
      const order = ['n8n-nodes-base.webhook', 'n8n-nodes-base.code', 'n8n-nodes-base.httpRequest'].map((type) => node(type).name);
      expect(workflow.connections[order[0] ?? '']?.main[0]?.[0]?.node).toBe(order[1]);
      expect(workflow.connections[order[1] ?? '']?.main[0]?.[0]?.node).toBe(order[2]);
      // The signature is over the exact bytes: the webhook node must keep the raw body.
      expect(node('n8n-nodes-base.webhook').parameters).toMatchObject({ httpMethod: 'POST', options: { rawBody: true } });
    });

    it('its code node verifies a real delivery, maps it to the CRM upsert and refuses a tampered one', async () => {
      const receiver = await WebhookReceiver.start();
      try {
        const { id, secret } = await subscribe(receiver.url);
        await newContact('Bo Reis', 'bo@example.com');
        await until(() => receiver.received.some((request) => request.json.data.contact?.email === 'bo@example.com'));
        await server.request('DELETE', `/v1/webhooks/${id}`);
        const delivery = receiver.received.find((request) => request.json.data.contact?.email === 'bo@example.com');
        if (delivery === undefined) throw new Error('no delivery');
        const jsCode = String(node('n8n-nodes-base.code').parameters['jsCode']);
        const [item] = runCodeNode(jsCode, secret, delivery);
        expect(item?.json.hubspot).toEqual({
          idProperty: 'email',
          id: 'bo@example.com',
          properties: { email: 'bo@example.com', firstname: 'Bo', lastname: 'Reis', parley_contact_id: delivery.json.data.contact.id },
        });
        // The HTTP node's body expression, evaluated on that item.
        const expression = String(node('n8n-nodes-base.httpRequest').parameters['jsonBody']).replace(/^=\{\{(.*)\}\}$/s, '$1');
        expect(JSON.parse(String(runInNewContext(expression, { $json: item?.json })))).toEqual({ inputs: [item?.json.hubspot] });
        const tampered = { ...delivery, body: delivery.body.replace('bo@example.com', 'eve@example.com') };
        expect(() => runCodeNode(jsCode, secret, tampered)).toThrow(/bad signature/);
        expect(() => runCodeNode(jsCode, 'whsec_' + Buffer.alloc(32, 1).toString('base64'), delivery)).toThrow(/bad signature/);
      } finally {
        await receiver.close();
      }
    });
  });
});

/** Runs an n8n code node's JavaScript as n8n would for one webhook item (raw body as binary data), with crypto allowed. */
function runCodeNode(jsCode: string, secret: string, delivery: Pick<Received, 'headers' | 'body'>): { json: { hubspot: unknown } }[] {
  const item = { json: { headers: delivery.headers }, binary: { data: { data: Buffer.from(delivery.body).toString('base64') } } };
  const require = (name: string): unknown => {
    if (name !== 'crypto') throw new Error(`${name} is not allowed`);
    return crypto;
  };
  const context = { require, Buffer, Date, JSON, $env: { PARLEY_WEBHOOK_SECRET: secret }, $input: { all: () => [item] } };
  return runInNewContext(`(() => {\n${jsCode}\n})()`, context) as { json: { hubspot: unknown } }[];
}
