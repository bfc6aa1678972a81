import { expect, it } from 'vitest';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestResponse, type TestServer } from '../testing/test-server.js';

const ENV_KEY_ACTOR = { kind: 'api_key', id: 'env', name: 'Admin' };

interface Entry {
  id: string;
  at: string;
  actor: { kind: string; id: string | null; name: string | null };
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName: string | null;
  detail: Record<string, unknown>;
}

async function auditRows(server: TestServer): Promise<number> {
  const row = await server.services.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function newest(server: TestServer): Promise<Entry> {
  const page = await server.request('GET', '/v1/audit?take=1');
  expect(page.status).toBe(200);
  return page.json.items[0];
}

/** Runs a change and checks it wrote exactly one audit entry; answers that entry. */
async function audited(server: TestServer, change: () => Promise<TestResponse>, expected: Partial<Entry>): Promise<Entry> {
  const before = await auditRows(server);
  const response = await change();
  expect(response.status, response.body).toBeLessThan(300);
  expect(await auditRows(server)).toBe(before + 1);
  const entry = await newest(server);
  expect(entry).toMatchObject(expected);
  return entry;
}

describeEachStore(
  'the audit log',
  (server) => {
    it('records one entry per change of widgets, blueprints, bots, teams, agents, API keys and webhooks, with the actor', async () => {
      const s = server();
      const bot = await audited(
        s,
        () => s.request('POST', '/v1/bots', { body: { kind: 'builtin', name: 'FAQ', config: { rules: [], fallback: 'Hm.' } } }),
        {
          action: 'bot.created',
          targetType: 'bot',
          actor: ENV_KEY_ACTOR,
        },
      );
      expect(bot.targetId).toMatch(/^bot_/);
      const widget = await audited(s, () => s.request('POST', '/v1/widgets', { body: { name: 'Shop', botId: bot.targetId } }), {
        action: 'widget.created',
        targetType: 'widget',
      });
      const widgetId = widget.targetId as string;
      const updated = await audited(
        s,
        () => s.request('PATCH', `/v1/widgets/${widgetId}`, { body: { name: 'Shop 2', theme: { primaryColor: '#112233' } } }),
        { action: 'widget.updated', targetId: widgetId },
      );
      // The changed keys, never their values.
      expect(updated.detail).toEqual({ fields: ['name', 'theme.primaryColor'] });
      expect(JSON.stringify(updated)).not.toContain('#112233');
      // The stored entry never holds the new name; the answer names the widget as it is now (looked up, not kept).
      expect(updated.targetName).toBe('Shop 2');
      const stored = await s.services.database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('id', '=', updated.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain('Shop 2');
      await audited(s, () => s.request('POST', `/v1/widgets/${widgetId}/identity-secret/rotate`), {
        action: 'widget.identity_secret_rotated',
        targetId: widgetId,
      });
      const clone = await audited(s, () => s.request('POST', `/v1/widgets/${widgetId}/clone`, { body: {} }), {
        action: 'widget.cloned',
        targetId: widgetId,
      });
      expect(clone.detail['newWidgetId']).toMatch(/^wgt_/);
      await audited(s, () => s.request('DELETE', `/v1/widgets/${clone.detail['newWidgetId'] as string}`), {
        action: 'widget.deleted',
        targetId: clone.detail['newWidgetId'] as string,
      });
      await audited(s, () => s.request('PATCH', `/v1/bots/${bot.targetId as string}`, { body: { name: 'FAQ 2' } }), {
        action: 'bot.updated',
        detail: { fields: ['name'] },
      });
      const blueprint = await audited(s, () => s.request('POST', '/v1/blueprints', { body: { name: 'Base' } }), {
        action: 'blueprint.created',
        targetType: 'blueprint',
      });
      await audited(s, () => s.request('PATCH', `/v1/blueprints/${blueprint.targetId as string}`, { body: { name: 'Base 2' } }), {
        action: 'blueprint.updated',
        targetId: blueprint.targetId,
      });
      const linked = await s.request('POST', '/v1/widgets', {
        body: { name: 'Linked', botId: bot.targetId, blueprintId: blueprint.targetId },
      });
      expect(linked.status, linked.body).toBe(201);
      await audited(s, () => s.request('POST', `/v1/widgets/${linked.json.id as string}/detach`), {
        action: 'widget.detached',
        targetId: linked.json.id,
      });
      await audited(s, () => s.request('POST', `/v1/widgets/${widgetId}/setup`), { action: 'widget.setup_started', targetId: widgetId });
      await audited(s, () => s.request('DELETE', `/v1/blueprints/${blueprint.targetId as string}`), { action: 'blueprint.deleted' });
      const team = await audited(s, () => s.request('POST', '/v1/teams', { body: { name: 'Sales' } }), { action: 'team.created' });
      await audited(s, () => s.request('PATCH', `/v1/teams/${team.targetId as string}`, { body: { name: 'Sales EU' } }), {
        action: 'team.updated',
      });
      await audited(s, () => s.request('DELETE', `/v1/teams/${team.targetId as string}`), { action: 'team.deleted' });
      const agent = await audited(
        s,
        () => s.request('POST', '/v1/agents', { body: { email: 'kim@example.com', password: 'password-kim-123', name: 'Kim' } }),
        { action: 'agent.created', targetType: 'agent' },
      );
      const patched = await audited(
        s,
        () => s.request('PATCH', `/v1/agents/${agent.targetId as string}`, { body: { password: 'another-password-9' } }),
        {
          action: 'agent.updated',
          detail: { fields: ['password'] },
        },
      );
      expect(JSON.stringify(patched)).not.toContain('another-password-9');
      await audited(s, () => s.request('DELETE', `/v1/agents/${agent.targetId as string}`), {
        action: 'agent.deleted',
        targetId: agent.targetId,
      });
      const key = await audited(s, () => s.request('POST', '/v1/api-keys', { body: { name: 'CI' } }), {
        action: 'api_key.created',
        targetType: 'api_key',
      });
      await audited(s, () => s.request('DELETE', `/v1/api-keys/${key.targetId as string}`), {
        action: 'api_key.revoked',
        targetId: key.targetId,
      });
      const hook = await audited(
        s,
        () => s.request('POST', '/v1/webhooks', { body: { url: 'https://hooks.example.com/parley', events: ['message.created'] } }),
        { action: 'webhook.created', targetType: 'webhook' },
      );
      await audited(s, () => s.request('PATCH', `/v1/webhooks/${hook.targetId as string}`, { body: { enabled: false } }), {
        action: 'webhook.updated',
        detail: { fields: ['enabled'] },
      });
      await audited(s, () => s.request('POST', `/v1/webhooks/${hook.targetId as string}/rotate-secret`, { body: {} }), {
        action: 'webhook.secret_rotated',
      });
      await audited(s, () => s.request('DELETE', `/v1/webhooks/${hook.targetId as string}`), { action: 'webhook.deleted' });
    });

    it('names the API key or the console agent that acted', async () => {
      const s = server();
      const key = await s.request('POST', '/v1/api-keys', { body: { name: 'Deploys' } });
      await audited(s, () => s.request('POST', '/v1/teams', { auth: key.json.key, body: { name: 'Ops' } }), {
        action: 'team.created',
        actor: { kind: 'api_key', id: key.json.id, name: 'Deploys' },
      });
      const admin = await createAgent(s, { role: 'admin', name: 'Ada' });
      await audited(
        s,
        () => s.request('POST', '/v1/teams', { auth: 'none', headers: { cookie: admin.cookie }, body: { name: 'Support' } }),
        {
          action: 'team.created',
          actor: { kind: 'agent', id: admin.id, name: 'Ada' },
        },
      );
    });

    it('records blocks and contact changes without personal data', async () => {
      const s = server();
      const { widgetId } = await createBotAndWidget(s);
      const agent = await createAgent(s, { name: 'Sam' });
      const visitor = await openSession(s, widgetId, { contact: { email: 'secret.person@example.com', name: 'Pat Doe' } });
      const block = await audited(
        s,
        () =>
          s.request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
            auth: agent.token,
            body: { scope: 'address', duration: '1d', reason: 'rude words' },
          }),
        {
          action: 'block.created',
          targetType: 'conversation',
          targetId: visitor.conversationId,
          actor: { kind: 'agent', id: agent.id, name: 'Sam' },
        },
      );
      expect(block.detail).toMatchObject({ scope: 'address', widgetId });
      expect(JSON.stringify(block)).not.toContain('127.0.0.1');
      expect(JSON.stringify(block)).not.toContain('rude words');
      await audited(s, () => s.request('DELETE', `/v1/inbox/${visitor.conversationId}/block`, { auth: agent.token }), {
        action: 'block.lifted',
        detail: { lifted: 1 },
      });
      const again = await s.request('POST', `/v1/inbox/${visitor.conversationId}/block`, {
        auth: agent.token,
        body: { scope: 'visitor', duration: '1d' },
      });
      expect(again.status).toBe(201);
      await audited(s, () => s.request('DELETE', `/v1/blocks/${again.json.id as string}`), {
        action: 'block.lifted',
        targetType: 'block',
        targetId: again.json.id,
        actor: ENV_KEY_ACTOR,
      });

      const { contact_id: contactId } = await s.services.database.db
        .selectFrom('conversations')
        .select('contact_id')
        .where('id', '=', visitor.conversationId)
        .executeTakeFirstOrThrow();
      const changed = await audited(
        s,
        () =>
          s.request('PATCH', `/v1/contacts/${contactId as string}`, {
            auth: agent.token,
            body: { email: 'new.person@example.com', attributes: { plan: 'gold' } },
          }),
        { action: 'contact.updated', targetType: 'contact', targetId: contactId },
      );
      expect(changed.detail).toEqual({ fields: ['attributes.plan', 'email'] });
      const imported = await audited(
        s,
        () =>
          s.request('POST', `/v1/contacts/import?widgetId=${widgetId}`, { body: { csv: 'email,name\nimported.one@example.com,One\n' } }),
        { action: 'contact.imported', targetId: null, detail: { created: 1, updated: 0, failed: 0 } },
      );
      await audited(s, () => s.request('GET', `/v1/contacts.csv?widgetId=${widgetId}`), {
        action: 'contact.exported_csv',
        detail: { filters: ['widgetId'] },
      });
      const other = await s.services.database.db
        .selectFrom('contacts')
        .select('id')
        .where('widget_id', '=', widgetId)
        .where('id', '!=', contactId as string)
        .executeTakeFirstOrThrow();
      await audited(s, () => s.request('POST', `/v1/contacts/${contactId as string}/merge`, { body: { from: other.id } }), {
        action: 'contact.merged',
        targetId: contactId,
        detail: { from: other.id },
      });
      const log = await s.request('GET', '/v1/audit?take=100');
      for (const secret of ['secret.person@example.com', 'new.person@example.com', 'imported.one@example.com', 'Pat Doe', 'gold']) {
        expect(log.body).not.toContain(secret);
      }
      expect(imported.id).toMatch(/^aud_/);
    });

    it('writes nothing for a refused change', async () => {
      const s = server();
      const before = await auditRows(s);
      expect((await s.request('POST', '/v1/widgets', { body: { name: '' } })).status).toBe(400);
      expect((await s.request('PATCH', '/v1/bots/bot_01HZZZZZZZZZZZZZZZZZZZZZZZ', { body: { name: 'x' } })).status).toBe(404);
      expect(await auditRows(s)).toBe(before);
    });

    it('is for admins only: an agent gets 403 PARLEY_ERR_AUTH_ADMIN_REQUIRED, no credentials 401', async () => {
      const agent = await createAgent(server(), { role: 'agent' });
      const refused = await server().request('GET', '/v1/audit', { auth: agent.token });
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('PARLEY_ERR_AUTH_ADMIN_REQUIRED');
      expect((await server().request('GET', '/v1/audit', { auth: 'none' })).status).toBe(401);
    });

    it('filters by action, actor, target and time, and pages newest first', async () => {
      const s = server();
      const start = new Date().toISOString();
      const team = await s.request('POST', '/v1/teams', { body: { name: 'Filters' } });
      await s.request('PATCH', `/v1/teams/${team.json.id}`, { body: { name: 'Filters 2' } });
      await s.request('PATCH', `/v1/teams/${team.json.id}`, { body: { name: 'Filters 3' } });
      const byTarget = await s.request('GET', `/v1/audit?target=${team.json.id}`);
      expect(byTarget.json.items.map((item: Entry) => item.action)).toEqual(['team.updated', 'team.updated', 'team.created']);
      const exact = await s.request('GET', `/v1/audit?target=${team.json.id}&action=team.created`);
      expect(exact.json.items).toHaveLength(1);
      const prefix = await s.request('GET', `/v1/audit?from=${encodeURIComponent(start)}&action=team.*`);
      expect(prefix.json.items.map((item: Entry) => item.targetId)).toEqual([team.json.id, team.json.id, team.json.id]);
      expect((await s.request('GET', `/v1/audit?action=team.*&to=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).json.items).toEqual([]);
      expect((await s.request('GET', `/v1/audit?actorKind=agent&target=${team.json.id}`)).json.items).toEqual([]);
      expect((await s.request('GET', `/v1/audit?actor=env&actorKind=api_key&target=${team.json.id}`)).json.items).toHaveLength(3);

      const first = await s.request('GET', `/v1/audit?target=${team.json.id}&take=2`);
      expect(first.json.items).toHaveLength(2);
      const second = await s.request('GET', `/v1/audit?target=${team.json.id}&take=2&cursor=${first.json.nextCursor}`);
      expect(second.json.items.map((item: Entry) => item.action)).toEqual(['team.created']);
      expect(second.json.nextCursor).toBeNull();

      for (const bad of [
        'take=0',
        'take=abc',
        'cursor=nope',
        'cursor=wgt_01HZZZZZZZZZZZZZZZZZZZZZZZ',
        'actorKind=robot',
        'from=yesterday',
        'action=DROP TABLE',
        'nope=1',
        'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      ]) {
        const refused = await s.request('GET', `/v1/audit?${bad}`);
        expect(refused.status, bad).toBe(400);
        expect(refused.json.error.code, bad).toMatch(/^PARLEY_ERR_REQUEST_/);
      }
    });

    it('answers the actor’s and the target’s current names beside their ids, and only the id once the target is gone', async () => {
      const s = server();
      const admin = await createAgent(s, { role: 'admin', name: 'Ada Admin' });
      const team = await s.request('POST', '/v1/teams', { auth: admin.token, body: { name: 'Night shift' } });
      expect(team.status).toBe(201);
      const created = await newest(s);
      expect(created).toMatchObject({
        action: 'team.created',
        actor: { kind: 'agent', id: admin.id, name: 'Ada Admin', email: admin.email },
        targetType: 'team',
        targetId: team.json.id,
        targetName: 'Night shift',
      });
      // A rename shows on every entry of the team: names are looked up when the log is read, never stored.
      await s.request('PATCH', `/v1/teams/${team.json.id as string}`, { body: { name: 'Late shift' } });
      const both = await s.request('GET', `/v1/audit?target=${team.json.id as string}`);
      expect(both.json.items.map((entry: Entry) => entry.targetName)).toEqual(['Late shift', 'Late shift']);
      expect(both.json.items[0].actor).toMatchObject({ kind: 'api_key', id: 'env', name: 'Admin' });
      expect(both.json.items[0].actor.email).toBeUndefined();
      // A key is named by its current name.
      const key = await s.request('POST', '/v1/api-keys', { body: { name: 'Deploy bot' } });
      const keyed = await s.request('POST', '/v1/teams', { auth: key.json.key, body: { name: 'Keyed' } });
      expect(keyed.status).toBe(201);
      expect((await newest(s)).actor).toMatchObject({ kind: 'api_key', id: key.json.id, name: 'Deploy bot' });
      // Gone: the id stands for it.
      await s.request('DELETE', `/v1/teams/${team.json.id as string}`);
      const gone = await s.request('GET', `/v1/audit?target=${team.json.id as string}`);
      expect(gone.json.items).toHaveLength(3);
      for (const entry of gone.json.items) expect(entry.targetName).toBeNull();
      // Targets without a name (a node) answer null too.
      await s.request('POST', '/v1/admin/rebalance', { body: {} });
      expect(await newest(s)).toMatchObject({ action: 'node.rebalanced', targetName: null });
    });

    it('is append-only: no route changes or deletes an entry', async () => {
      const s = server();
      await s.request('POST', '/v1/teams', { body: { name: 'Kept' } });
      const entry = await newest(s);
      for (const method of ['POST', 'PATCH', 'PUT', 'DELETE'] as const) {
        expect((await s.request(method, '/v1/audit', { body: {} })).status, method).toBe(404);
        expect((await s.request(method, `/v1/audit/${entry.id}`, { body: {} })).status, method).toBe(404);
      }
      const kept = await s.request('GET', `/v1/audit?target=${entry.targetId as string}`);
      expect(kept.json.items).toEqual([entry]);
    });
  },
  { retention: false },
);
