import { expect, it } from 'vitest';
import { createAgent, type TestAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
  readonly widgetId: string;
}

async function visitor(server: TestServer, widget: Record<string, unknown> = {}, contact?: Record<string, string>): Promise<Visitor> {
  const { widgetId } = await createBotAndWidget(server, widget);
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, {
    auth: 'none',
    body: contact === undefined ? {} : { contact },
  });
  if (created.status !== 201) throw new Error(created.body);
  return { token: created.json.token, conversationId: created.json.conversationId, widgetId };
}

async function say(server: TestServer, v: Visitor, text: string): Promise<void> {
  const sent = await server.request('POST', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token, body: { text } });
  if (sent.status !== 201) throw new Error(sent.body);
  await settle(server);
}

async function settle(server: TestServer): Promise<void> {
  await server.services.botTurns.idle();
  await server.services.desk.idle();
}

const as = (agent: TestAgent) => ({ auth: 'none', headers: { cookie: agent.cookie } }) as const;

async function online(server: TestServer, agent: TestAgent): Promise<void> {
  const response = await server.request('PATCH', '/v1/agents/me', { ...as(agent), body: { status: 'online' } });
  if (response.status !== 200) throw new Error(response.body);
  await settle(server);
}

async function offline(server: TestServer, agent: TestAgent): Promise<void> {
  await server.request('PATCH', '/v1/agents/me', { ...as(agent), body: { status: 'offline' } });
}

async function detail(server: TestServer, agent: TestAgent, conversationId: string) {
  const response = await server.request('GET', `/v1/inbox/${conversationId}`, as(agent));
  if (response.status !== 200) throw new Error(response.body);
  return response.json;
}

async function visitorMessages(
  server: TestServer,
  v: Visitor,
): Promise<{ type: string; text: string; author: { role: string }; payload: Record<string, unknown> | null }[]> {
  return (await server.request('GET', `/v1/conversations/${v.conversationId}/messages`, { auth: v.token })).json.items;
}

describeEachStore(
  'inbox, ownership and routing',
  (server) => {
    // Every test starts with nobody online, so routing only sees the agents it sets online itself.
    const everyoneOffline = async (): Promise<void> => {
      const listed = await server().request('GET', '/v1/agents?take=100');
      for (const agent of listed.json.items as { id: string }[]) {
        await server().request('PATCH', `/v1/agents/${agent.id}`, { body: { status: 'offline' } });
      }
      // …and no conversation is left waiting from an earlier test to take their capacity.
      for (const owner of ['queued', 'human']) {
        const waiting = await server().request('GET', `/v1/inbox?owner=${owner}&take=100`);
        for (const item of waiting.json.items as { conversation: { id: string } }[]) {
          await server().request('POST', `/v1/inbox/${item.conversation.id}/resolve`, { body: {} });
        }
      }
      await settle(server());
    };

    it("signs an API key's reply with the key's name, or as the agent agentId names, who then holds the conversation", async () => {
      await everyoneOffline();
      const agent = await createAgent(server(), { name: 'Grace Hopper' });
      const created = await server().request('POST', '/v1/api-keys', { body: { name: 'CRM sync' } });
      const key: string = created.json.key;
      const v = await visitor(server());
      const url = `/v1/inbox/${v.conversationId}/messages`;
      const plain = await server().request('POST', url, { auth: key, body: { text: 'Your order shipped.' } });
      expect(plain.status).toBe(201);
      expect(plain.json.message.author).toMatchObject({ role: 'agent', name: 'CRM sync' });
      const asAgent = await server().request('POST', url, { auth: key, body: { text: 'Grace here.', agentId: agent.id } });
      expect(asAgent.status).toBe(201);
      expect(asAgent.json.message.author).toEqual({ role: 'agent', id: agent.id, name: 'Grace Hopper' });
      await settle(server());
      // The visitor's widget shows "You are chatting with Grace Hopper": the conversation is hers.
      expect(await server().services.desk.ownership.state(v.conversationId)).toMatchObject({ owner: 'human', assigneeId: agent.id });
      const unknown = await server().request('POST', url, { auth: key, body: { text: 'x', agentId: 'agt_nobody' } });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.code).toBe('PARLEY_ERR_AGENT_NOT_FOUND');
      const other = await createAgent(server());
      const login = await server().request('POST', url, { ...as(other), body: { text: 'x', agentId: agent.id } });
      expect(login.status).toBe(400);
      expect(login.json.error).toMatchObject({ code: 'PARLEY_ERR_REQUEST_VALIDATION', field: 'agentId' });
    });

    it("tells an Arabic visitor in Arabic that a human will join, and keeps the line's key for the console", async () => {
      await everyoneOffline();
      const { widgetId } = await createBotAndWidget(server(), { language: 'ar' });
      const created = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { language: 'ar' } });
      const v: Visitor = { token: created.json.token, conversationId: created.json.conversationId, widgetId };
      await say(server(), v, 'I want a human please');
      const handoff = (await visitorMessages(server(), v)).filter((m) => m.type === 'event').at(-1);
      expect(handoff).toMatchObject({ text: 'في انتظار انضمام أحد الموظفين.', payload: { event: 'handoff', notice: 'handoff_waiting' } });
    });

    it('queues a conversation when the visitor asks for a human and no agent is online, in offline mode', async () => {
      await everyoneOffline();
      const agent = await createAgent(server());
      const v = await visitor(server(), {}, { name: 'Ada Lovelace', email: 'ada@example.com' });
      await say(server(), v, 'I want a human please');
      const item = await detail(server(), agent, v.conversationId);
      expect(item.conversation).toMatchObject({ id: v.conversationId, owner: 'queued', status: 'open', assignee: null });
      expect(item.contact).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
      expect(item.waitingSinceMs).toEqual(expect.any(Number));
      expect(item.queue).toMatchObject({ position: expect.any(Number) });
      const events = (await visitorMessages(server(), v)).filter((m) => m.type === 'event');
      expect(events.at(-1)?.text).toMatch(/human/);
      const queued = await server().request('GET', '/v1/inbox?owner=queued&take=100', as(agent));
      expect(queued.json.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toContain(v.conversationId);
      const state = await server().services.desk.ownership.state(v.conversationId);
      expect(state.offline).toBe(true);
    });

    it('assigns handoffs round robin across three online agents, within capacity, and queues the rest', async () => {
      await everyoneOffline();
      const agents = [
        await createAgent(server(), { capacity: 1 }),
        await createAgent(server(), { capacity: 1 }),
        await createAgent(server(), { capacity: 1 }),
      ];
      for (const agent of agents) await online(server(), agent);
      const visitors: Visitor[] = [];
      for (let i = 0; i < 4; i += 1) {
        const v = await visitor(server());
        await say(server(), v, 'talk to a human');
        visitors.push(v);
      }
      const assignees: string[] = [];
      for (const v of visitors.slice(0, 3)) {
        const item = await detail(server(), agents[0] as TestAgent, v.conversationId);
        expect(item.conversation.owner).toBe('human');
        assignees.push(item.conversation.assignee.id);
      }
      expect(new Set(assignees)).toEqual(new Set(agents.map((a) => a.id)));
      const fourth = await detail(server(), agents[0] as TestAgent, visitors[3]?.conversationId ?? '');
      expect(fourth.conversation.owner).toBe('queued');
      // Resolving one frees capacity: the waiting conversation goes to that agent.
      const first = agents.find((a) => a.id === assignees[0]) as TestAgent;
      expect((await server().request('POST', `/v1/inbox/${visitors[0]?.conversationId}/resolve`, { ...as(first), body: {} })).status).toBe(
        200,
      );
      await settle(server());
      const after = await detail(server(), first, visitors[3]?.conversationId ?? '');
      expect(after.conversation).toMatchObject({ owner: 'human', assignee: { id: first.id } });
      for (const agent of agents) await offline(server(), agent);
    });

    it('assigns to the least busy online agent of the widget’s team when the widget says so', async () => {
      await everyoneOffline();
      const busy = await createAgent(server(), { capacity: 5 });
      const idle = await createAgent(server(), { capacity: 5 });
      const outsider = await createAgent(server(), { capacity: 5 });
      const team = await server().request('POST', '/v1/teams', { body: { name: 'Support', agentIds: [busy.id, idle.id] } });
      for (const agent of [busy, idle, outsider]) await online(server(), agent);
      const widget = { routing: 'least_busy', teamId: team.json.id };
      const a = await visitor(server(), widget);
      await server().request('POST', `/v1/inbox/${a.conversationId}/assign`, { ...as(busy), body: { agentId: busy.id } });
      const b = await visitor(server(), widget);
      await say(server(), b, 'human');
      const item = await detail(server(), busy, b.conversationId);
      expect(item.conversation).toMatchObject({ owner: 'human', assignee: { id: idle.id }, teamId: team.json.id });
      const teamView = await server().request('GET', '/v1/inbox?view=team&take=100', as(idle));
      expect(teamView.json.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toContain(b.conversationId);
      for (const agent of [busy, idle, outsider]) await offline(server(), agent);
    });

    it('transfers, hands back to the bot, resolves, reopens and snoozes, refusing impossible moves', async () => {
      await everyoneOffline();
      const ann = await createAgent(server(), { name: 'Ann' });
      const bob = await createAgent(server(), { name: 'Bob' });
      const team = await server().request('POST', '/v1/teams', { body: { name: 'Billing' } });
      const v = await visitor(server());
      const assigned = await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, { ...as(ann), body: { agentId: ann.id } });
      expect(assigned.json.conversation).toMatchObject({ owner: 'human', assignee: { id: ann.id, name: 'Ann' } });
      const transferred = await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, { ...as(ann), body: { agentId: bob.id } });
      expect(transferred.json.conversation.assignee).toEqual({ id: bob.id, name: 'Bob' });
      const toTeam = await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, { ...as(bob), body: { teamId: team.json.id } });
      expect(toTeam.json.conversation).toMatchObject({ owner: 'queued', assignee: null, teamId: team.json.id });
      const back = await server().request('POST', `/v1/inbox/${v.conversationId}/handback`, { ...as(bob), body: {} });
      expect(back.json.conversation).toMatchObject({ owner: 'bot', status: 'pending' });
      await say(server(), v, 'price?');
      expect((await visitorMessages(server(), v)).at(-1)).toMatchObject({ author: { role: 'bot' }, text: 'It is free.' });
      const again = await server().request('POST', `/v1/inbox/${v.conversationId}/handback`, { ...as(bob), body: {} });
      expect(again.status).toBe(409);
      expect(again.json.error.code).toBe('PARLEY_ERR_CONVERSATION_TRANSITION');
      const resolved = await server().request('POST', `/v1/inbox/${v.conversationId}/resolve`, { ...as(bob), body: {} });
      expect(resolved.json.conversation).toMatchObject({ owner: 'resolved', status: 'resolved' });
      const reopened = await server().request('POST', `/v1/inbox/${v.conversationId}/reopen`, { ...as(bob), body: {} });
      expect(reopened.json.conversation).toMatchObject({ owner: 'human', assignee: { id: bob.id } });
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const snoozed = await server().request('POST', `/v1/inbox/${v.conversationId}/snooze`, { ...as(bob), body: { until } });
      expect(snoozed.json.conversation).toMatchObject({ status: 'snoozed', snoozedUntil: until });
      const list = await server().request('GET', '/v1/inbox?status=snoozed&take=100', as(bob));
      expect(list.json.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toContain(v.conversationId);
      // The visitor writing wakes it up; the human still owns it, so the bot stays quiet.
      await say(server(), v, 'hello again');
      const woken = await detail(server(), bob, v.conversationId);
      expect(woken.conversation).toMatchObject({ status: 'open', snoozedUntil: null, owner: 'human' });
      expect((await visitorMessages(server(), v)).at(-1)).toMatchObject({ author: { role: 'visitor' }, text: 'hello again' });
      const past = await server().request('POST', `/v1/inbox/${v.conversationId}/snooze`, {
        ...as(bob),
        body: { until: '2000-01-01T00:00:00.000Z' },
      });
      expect(past.json.error.field).toBe('until');
      // Each move is a line of the conversation's activity, with who did it and the names at the time.
      const activity = await server().request('GET', `/v1/inbox/${v.conversationId}/activity`, as(bob));
      expect(activity.status).toBe(200);
      const lines = activity.json.items as { kind: string; actor: { name: string } | null; [key: string]: unknown }[];
      expect(lines.map((line) => line.kind)).toEqual([
        'assigned',
        'assigned',
        'queued',
        'handed_back',
        'resolved',
        'reopened',
        'snoozed',
        'woke',
      ]);
      expect(lines[0]).toMatchObject({ actor: { name: 'Ann' }, agent: { name: 'Ann' }, previousAgent: null });
      expect(lines[1]).toMatchObject({ actor: { name: 'Ann' }, agent: { name: 'Bob' }, previousAgent: { name: 'Ann' } });
      expect(lines[2]).toMatchObject({
        actor: { name: 'Bob' },
        team: { id: team.json.id, name: 'Billing' },
        previousAgent: { name: 'Bob' },
      });
      expect(lines[5]).toMatchObject({ actor: { name: 'Bob' }, agent: { name: 'Bob' } });
      expect(lines[6]).toMatchObject({ actor: { name: 'Bob' }, until });
      expect(lines[7]).toMatchObject({ actor: null });
      const missing = await server().request('GET', '/v1/inbox/conv_nope/activity', as(bob));
      expect(missing.status).toBe(404);
    });

    it('keeps private notes from the visitor on every read path while agents see them in order', async () => {
      const agent = await createAgent(server());
      const v = await visitor(server());
      const note = await server().request('POST', `/v1/inbox/${v.conversationId}/notes`, {
        ...as(agent),
        body: { text: 'VIP customer, be nice' },
      });
      expect(note.status).toBe(201);
      expect(note.json.message).toMatchObject({ type: 'note', author: { role: 'agent', id: agent.id } });
      const reply = await server().request('POST', `/v1/inbox/${v.conversationId}/messages`, {
        ...as(agent),
        body: { text: 'Hi, I am here', clientId: 'agent-reply-1' },
      });
      expect(reply.status).toBe(201);
      const agentView = await server().request('GET', `/v1/conversations/${v.conversationId}/messages`, as(agent));
      expect(agentView.status).toBe(200);
      expect(agentView.json.items.map((m: { type: string }) => m.type)).toContain('note');
      const seen = await visitorMessages(server(), v);
      expect(JSON.stringify(seen)).not.toContain('VIP customer');
      expect(seen.at(-1)).toMatchObject({ text: 'Hi, I am here', author: { role: 'agent' } });
      const resumed = await server().request('GET', `/v1/conversations/${v.conversationId}`, as(agent));
      expect(resumed.json.id).toBe(v.conversationId);
    });

    it('gives the conversation to an agent who replies, after which the bot stays quiet', async () => {
      const agent = await createAgent(server(), { name: 'Replier' });
      const v = await visitor(server());
      await server().request('POST', `/v1/inbox/${v.conversationId}/messages`, { ...as(agent), body: { text: 'Can I help?' } });
      const item = await detail(server(), agent, v.conversationId);
      expect(item.conversation).toMatchObject({ owner: 'human', assignee: { id: agent.id, name: 'Replier' } });
      await say(server(), v, 'price?');
      expect((await visitorMessages(server(), v)).at(-1)).toMatchObject({ author: { role: 'visitor' } });
      const mine = await server().request('GET', '/v1/inbox?view=mine', as(agent));
      expect(mine.json.items.map((i: { conversation: { id: string } }) => i.conversation.id)).toEqual([v.conversationId]);
      expect(mine.json.items[0]).toMatchObject({ unread: 1, lastMessage: { text: 'price?' } });
      expect(mine.json.items[0].waitingSinceMs).toEqual(expect.any(Number));
      await server().services.signals.markRead(v.conversationId, { role: 'agent', id: agent.id }, 1_000_000);
      expect((await server().request('GET', '/v1/inbox?view=mine', as(agent))).json.items[0].unread).toBe(0);
    });

    it('searches by contact and by message text, and pages by cursor', async () => {
      const agent = await createAgent(server());
      const unique = `zebra${Date.now()}`;
      const a = await visitor(server(), {}, { name: `Grace ${unique}` });
      const b = await visitor(server());
      await say(server(), b, `my order ${unique}-42 is late`);
      const found = await server().request('GET', `/v1/inbox?q=${encodeURIComponent(unique.toUpperCase())}`, as(agent));
      expect(found.json.items.map((i: { conversation: { id: string } }) => i.conversation.id).sort()).toEqual(
        [a.conversationId, b.conversationId].sort(),
      );
      const first = await server().request('GET', `/v1/inbox?q=${unique}&take=1`, as(agent));
      expect(first.json.items).toHaveLength(1);
      const second = await server().request('GET', `/v1/inbox?q=${unique}&take=1&cursor=${first.json.nextCursor}`, as(agent));
      expect(second.json.items).toHaveLength(1);
      expect(second.json.items[0].conversation.id).not.toBe(first.json.items[0].conversation.id);
      expect(second.json.nextCursor).toBeNull();
      const bad = await server().request('GET', '/v1/inbox?cursor=nope', as(agent));
      expect(bad.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
      const unknown = await server().request('GET', '/v1/inbox?view=everything', as(agent));
      expect(unknown.json.error.field).toBe('view');
    });

    it('shows the visitor’s context and earlier conversations', async () => {
      const agent = await createAgent(server());
      const { widgetId } = await createBotAndWidget(server());
      const identity = { userId: 'user-1' };
      const secret = (await server().request('GET', `/v1/widgets/${widgetId}/identity-secret`)).json.identitySecret;
      const { createHmac } = await import('node:crypto');
      const userHash = createHmac('sha256', secret).update(identity.userId).digest('hex');
      const body = {
        identity: { ...identity, userHash },
        meta: { pageUrl: 'https://shop.example.com/cart', referrer: 'https://google.com', browser: FIREFOX_LINUX, plan: 'pro' },
      };
      const first = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body });
      await server().request('POST', `/v1/inbox/${first.json.conversationId}/resolve`, { ...as(agent), body: {} });
      const second = await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body });
      expect(second.json.conversationId).not.toBe(first.json.conversationId);
      const item = await detail(server(), agent, second.json.conversationId);
      expect(item.context).toMatchObject({
        pageUrl: 'https://shop.example.com/cart',
        referrer: 'https://google.com',
        // Stored reduced (issue 18): browser family, OS family and device class, never the raw User-Agent.
        browser: 'Firefox · Linux · desktop',
        language: 'en',
        attributes: { plan: 'pro' },
      });
      expect(item.context.earlierConversations.map((c: { id: string }) => c.id)).toEqual([first.json.conversationId]);
    });

    it('hands over by itself when the bot stays silent', async () => {
      const agent = await createAgent(server());
      const v = await visitor(server());
      expect(await server().services.desk.ownership.shouldBotAnswer(v.conversationId)).toBe(true);
      const deadline = Date.now() + 3000;
      while ((await server().services.desk.ownership.state(v.conversationId)).owner === 'bot' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect((await detail(server(), agent, v.conversationId)).conversation.owner).toBe('queued');
      expect((await visitorMessages(server(), v)).at(-1)?.text).toMatch(/could not answer/);
    });

    it('puts a deleted agent’s conversations back in the queue', async () => {
      await everyoneOffline();
      const leaving = await createAgent(server());
      const v = await visitor(server());
      await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, { ...as(leaving), body: { agentId: leaving.id } });
      expect((await server().request('DELETE', `/v1/agents/${leaving.id}`)).status).toBe(204);
      await settle(server());
      const item = (await server().request('GET', `/v1/inbox/${v.conversationId}`)).json;
      expect(item.conversation).toMatchObject({ owner: 'queued', assignee: null });
    });

    it('stores the visitor’s rating of a resolved conversation where agents see it', async () => {
      const agent = await createAgent(server());
      const v = await visitor(server());
      await server().request('POST', `/v1/inbox/${v.conversationId}/resolve`, { ...as(agent), body: {} });
      const rated = await server().request('POST', `/v1/conversations/${v.conversationId}/rating`, {
        auth: v.token,
        body: { score: 5, comment: 'Great help' },
      });
      expect(rated.status).toBe(201);
      expect(rated.json.message).toMatchObject({ type: 'event', payload: { event: 'rating', score: 5, comment: 'Great help' } });
      const bad = await server().request('POST', `/v1/conversations/${v.conversationId}/rating`, { auth: v.token, body: { score: 6 } });
      expect(bad.json.error.field).toBe('score');
      const item = await detail(server(), agent, v.conversationId);
      expect(item.lastMessage).toMatchObject({ payload: { event: 'rating', score: 5 } });
    });

    it('refuses the inbox without a login and actions on unknown conversations', async () => {
      expect((await server().request('GET', '/v1/inbox', { auth: 'none' })).status).toBe(401);
      const agent = await createAgent(server());
      const missing = await server().request('POST', '/v1/inbox/conv_01ARZ3NDEKTSV4RRFFQ69G5FAV/resolve', { ...as(agent), body: {} });
      expect(missing.json.error.code).toBe('PARLEY_ERR_CONVERSATION_NOT_FOUND');
      const v = await visitor(server());
      const unknownAgent = await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, {
        ...as(agent),
        body: { agentId: 'agt_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      });
      expect(unknownAgent.json.error.code).toBe('PARLEY_ERR_AGENT_NOT_FOUND');
      const empty = await server().request('POST', `/v1/inbox/${v.conversationId}/assign`, { ...as(agent), body: {} });
      expect(empty.json.error.code).toBe('PARLEY_ERR_REQUEST_VALIDATION');
    });
  },
  { agents: { botSilenceMs: 300 } },
);
