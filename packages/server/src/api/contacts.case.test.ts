import { expect, it } from 'vitest';
import { identityHash } from '../index.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestResponse, type TestServer } from '../testing/test-server.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

async function contactOf(server: TestServer, conversationId: string): Promise<string> {
  const row = await server.services.database.db
    .selectFrom('conversations')
    .select('contact_id')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  if (row.contact_id === null) throw new Error('the conversation has no contact');
  return row.contact_id;
}

async function identitySecret(server: TestServer, widgetId: string): Promise<string> {
  return (await server.request('GET', `/v1/widgets/${widgetId}/identity-secret`)).json.identitySecret;
}

/** A contact made through a session of the widget, with what the test gives. */
async function visitor(
  server: TestServer,
  widgetId: string,
  contact: Record<string, string>,
  meta: Record<string, string> = {},
): Promise<string> {
  const session = await openSession(server, widgetId, { contact, meta });
  return contactOf(server, session.conversationId);
}

async function list(server: TestServer, query: string): Promise<TestResponse> {
  const response = await server.request('GET', `/v1/contacts?${query}`);
  if (response.status !== 200) throw new Error(response.body);
  return response;
}

async function listIds(server: TestServer, query: string): Promise<string[]> {
  return (await list(server, query)).json.items.map((contact: { id: string }) => contact.id);
}

/** Every page of a listing, following nextCursor. */
async function allPages(server: TestServer, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: TestResponse = await list(server, `${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    ids.push(...page.json.items.map((contact: { id: string }) => contact.id));
    cursor = page.json.nextCursor;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}

function csv(server: TestServer, query: string, body: string, auth?: string): Promise<TestResponse> {
  return server.request('POST', `/v1/contacts/import${query}`, {
    rawBody: body,
    headers: { 'content-type': 'text/csv' },
    ...(auth === undefined ? {} : { auth }),
  });
}

describeEachStore('contacts', (server) => {
  it('records a session’s visit on its contact: first and last seen, the page, the device, the page’s attributes', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const before = new Date().toISOString();
    const id = await visitor(
      server(),
      widgetId,
      { name: 'Ada Lovelace', email: 'Ada@Example.com' },
      { pageUrl: 'https://shop.example.com/pricing', browser: CHROME_MAC, referrer: 'https://search.example', plan: 'pro' },
    );
    const contact = (await server().request('GET', `/v1/contacts/${id}`)).json;
    expect(contact).toMatchObject({
      id,
      object: 'contact',
      widgetId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      attributes: { plan: 'pro' },
      device: { browser: 'Chrome', os: 'macOS', kind: 'desktop' },
      pages: [{ url: 'https://shop.example.com/pricing', title: null }],
    });
    expect(contact.firstSeenAt >= before).toBe(true);
    expect(contact.lastSeenAt).toBe(contact.firstSeenAt);
    // Nothing of where the visitor is: no address, no place.
    expect(JSON.stringify(contact)).not.toMatch(/127\.0\.0\.1|location|country|city/i);
    // A site's server may name the browser `userAgent`: a device, not an attribute.
    const viaServer = await visitor(server(), widgetId, { name: 'Leo' }, { userAgent: SAFARI_IPHONE });
    expect((await server().request('GET', `/v1/contacts/${viaServer}`)).json).toMatchObject({
      attributes: {},
      device: { browser: 'Safari', os: 'iOS', kind: 'mobile' },
    });
  });

  it('joins a verified identity’s conversations across devices into one contact, the device and pages of the latest visit', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const secret = await identitySecret(server(), widgetId);
    const identity = { userId: 'user-42', userHash: identityHash(secret, 'user-42') };
    const laptop = await openSession(server(), widgetId, {
      identity,
      meta: { pageUrl: 'https://shop.example.com/a', browser: CHROME_MAC },
    });
    const resolved = await server().request('POST', `/v1/inbox/${laptop.conversationId}/resolve`, { body: {} });
    expect(resolved.status).toBe(200);
    const phone = await openSession(server(), widgetId, {
      identity,
      meta: { pageUrl: 'https://shop.example.com/b', browser: SAFARI_IPHONE },
    });
    expect(phone.conversationId).not.toBe(laptop.conversationId);
    const id = await contactOf(server(), laptop.conversationId);
    expect(await contactOf(server(), phone.conversationId)).toBe(id);

    const contact = (await server().request('GET', `/v1/contacts/${id}`)).json;
    expect(contact.externalId).toBe('user-42');
    expect(contact.device).toEqual({ browser: 'Safari', os: 'iOS', kind: 'mobile' });
    expect(contact.pages.map((page: { url: string }) => page.url)).toEqual(['https://shop.example.com/b', 'https://shop.example.com/a']);
    const conversations = (await server().request('GET', `/v1/contacts/${id}/conversations`)).json.items;
    expect(conversations.map((conversation: { id: string }) => conversation.id).sort()).toEqual(
      [laptop.conversationId, phone.conversationId].sort(),
    );
    expect(conversations.find((conversation: { id: string }) => conversation.id === laptop.conversationId).owner).toBe('resolved');
  });

  it('keeps the email the offline form leaves on the conversation’s own contact, with the visit it came from', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const session = await openSession(server(), widgetId, { meta: { pageUrl: 'https://shop.example.com/help', browser: SAFARI_IPHONE } });
    const left = await server().request('POST', `/v1/conversations/${session.conversationId}/contact`, {
      auth: session.token,
      body: { email: 'Vera@Example.com', name: 'Vera' },
    });
    expect(left.status).toBe(200);
    const contact = (await server().request('GET', `/v1/contacts/${left.json.contact.id}`)).json;
    expect(contact).toMatchObject({
      name: 'Vera',
      email: 'vera@example.com',
      device: { os: 'iOS' },
      pages: [{ url: 'https://shop.example.com/help' }],
    });
    expect(await contactOf(server(), session.conversationId)).toBe(contact.id);
  });

  it('takes the widget’s setAttributes on the conversation’s contact, making one for an anonymous visitor', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const session = await openSession(server(), widgetId, { meta: { browser: CHROME_MAC } });
    const set = await server().request('POST', `/v1/conversations/${session.conversationId}/attributes`, {
      auth: session.token,
      body: { plan: 'pro', seats: 12, trial: false },
    });
    expect(set.status).toBe(204);
    const id = await contactOf(server(), session.conversationId);
    await server().request('POST', `/v1/conversations/${session.conversationId}/attributes`, {
      auth: session.token,
      body: { trial: null, plan: 'team' },
    });
    const contact = (await server().request('GET', `/v1/contacts/${id}`)).json;
    expect(contact.attributes).toEqual({ plan: 'team', seats: 12 });
    expect(contact.device.browser).toBe('Chrome');

    // Attributes the page set before the conversation started arrive as the session's meta: that visitor becomes a contact too.
    const described = await openSession(server(), widgetId, { meta: { pageUrl: 'https://shop.example.com/', plan: 'free' } });
    expect((await server().request('GET', `/v1/contacts/${await contactOf(server(), described.conversationId)}`)).json).toMatchObject({
      attributes: { plan: 'free' },
      pages: [{ url: 'https://shop.example.com/' }],
    });
    // A visitor nobody described stays without a contact.
    const other = await openSession(server(), widgetId, { meta: { pageUrl: 'https://shop.example.com/', browser: CHROME_MAC } });
    await expect(contactOf(server(), other.conversationId)).rejects.toThrow('no contact');
    const refused = await server().request('POST', `/v1/conversations/${session.conversationId}/attributes`, {
      auth: other.token,
      body: { plan: 'free' },
    });
    expect(refused.status).toBe(403);
    const invalid = await server().request('POST', `/v1/conversations/${session.conversationId}/attributes`, {
      auth: session.token,
      body: { 'bad key!': 'x' },
    });
    expect(invalid.status).toBe(400);
  });

  it('searches name, email, phone and external id, and filters by widget, attribute, last seen and email', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const { widgetId: otherWidget } = await createBotAndWidget(server());
    const ada = await visitor(
      server(),
      widgetId,
      { name: 'Ada Lovelace', email: 'ada@analytical.example', phone: '+14155550123' },
      { tier: 'gold' },
    );
    const grace = await visitor(server(), widgetId, { name: 'Grace Hopper' }, { tier: 'silver' });
    const alan = await visitor(server(), otherWidget, { name: 'Alan Turing', email: 'alan@bletchley.example' }, { tier: 'gold' });
    await server().request('PATCH', `/v1/contacts/${grace}`, { body: { externalId: 'cobol-1959' } });

    expect(await listIds(server(), `widgetId=${widgetId}&q=LOVELACE`)).toEqual([ada]);
    expect(await listIds(server(), `widgetId=${widgetId}&q=analytical`)).toEqual([ada]);
    expect(await listIds(server(), `widgetId=${widgetId}&q=5550123`)).toEqual([ada]);
    expect(await listIds(server(), `widgetId=${widgetId}&q=cobol`)).toEqual([grace]);
    expect(await listIds(server(), `widgetId=${widgetId}&q=50%25`)).toEqual([]);
    expect((await listIds(server(), `widgetId=${otherWidget}`)).sort()).toEqual([alan]);
    expect((await listIds(server(), `attribute=tier%3Dgold`)).sort()).toEqual([ada, alan].sort());
    expect(await listIds(server(), `widgetId=${widgetId}&attribute=tier%3Dgold&attribute=tier%3Dsilver`)).toEqual([]);
    expect(await listIds(server(), `widgetId=${widgetId}&hasEmail=true`)).toEqual([ada]);
    expect(await listIds(server(), `widgetId=${widgetId}&hasEmail=false`)).toEqual([grace]);

    const seen = (await server().request('GET', `/v1/contacts/${grace}`)).json.lastSeenAt as string;
    expect(await listIds(server(), `widgetId=${widgetId}&seenAfter=${encodeURIComponent(seen)}`)).toContain(grace);
    expect(await listIds(server(), `widgetId=${widgetId}&seenBefore=${encodeURIComponent(seen)}`)).toEqual([ada]);
    expect(await listIds(server(), `widgetId=${widgetId}&seenAfter=2999-01-01`)).toEqual([]);

    for (const [query, field] of [
      ['seenAfter=yesterday', 'seenAfter'],
      ['sort=age', 'sort'],
      ['attribute=plan', 'attribute'],
      ['take=500', 'take'],
      ['colour=red', 'colour'],
      ['widgetId=nope', 'widgetId'],
    ]) {
      const refused = await server().request('GET', `/v1/contacts?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.json.error.field).toBe(field);
    }
  });

  it('sorts by last seen, creation and name, a page at a time, every contact once', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const names = ['delta', 'Alpha', 'charlie', 'echo', 'bravo'];
    const ids: string[] = [];
    for (const name of names) ids.push(await visitor(server(), widgetId, { name }));
    // A later visit makes the first contact the most recently seen.
    await server().services.contacts.recordVisit(server().services.database.db, ids[0] ?? '', { at: '2999-01-01T00:00:00.000Z' });

    const byName = await allPages(server(), `widgetId=${widgetId}&sort=name&take=2`);
    expect(byName.pages).toBe(3);
    const nameOf = new Map(names.map((name, index) => [ids[index], name]));
    expect(byName.ids.map((id) => nameOf.get(id))).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo']);
    const byNameDesc = await allPages(server(), `widgetId=${widgetId}&sort=name&order=desc&take=2`);
    expect(byNameDesc.ids.map((id) => nameOf.get(id))).toEqual(['echo', 'delta', 'charlie', 'bravo', 'Alpha']);
    expect((await allPages(server(), `widgetId=${widgetId}&sort=created&take=2`)).ids).toEqual([...ids].reverse());
    expect((await allPages(server(), `widgetId=${widgetId}&sort=created&order=asc&take=3`)).ids).toEqual(ids);
    const bySeen = await allPages(server(), `widgetId=${widgetId}&take=2`);
    expect(bySeen.ids[0]).toBe(ids[0]);
    expect(new Set(bySeen.ids).size).toBe(5);

    const first = await list(server(), `widgetId=${widgetId}&sort=name&take=2`);
    const otherSort = await server().request('GET', `/v1/contacts?widgetId=${widgetId}&sort=created&cursor=${first.json.nextCursor}`);
    expect(otherSort.status).toBe(400);
    expect(otherSort.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
    const forged = await server().request('GET', `/v1/contacts?cursor=not-a-cursor`);
    expect(forged.json.error.code).toBe('PARLEY_ERR_REQUEST_INVALID_CURSOR');
  });

  it('changes details and attributes, and refuses what it cannot keep', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const id = await visitor(server(), widgetId, { name: 'Ada', email: 'ada@example.com' }, { plan: 'pro', team: 'red' });
    const patched = await server().request('PATCH', `/v1/contacts/${id}`, {
      body: {
        name: 'Ada Lovelace',
        phone: '+14155550123',
        email: null,
        externalId: 'u-1',
        attributes: { team: null, seats: 3, vip: true },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      name: 'Ada Lovelace',
      phone: '+14155550123',
      email: null,
      externalId: 'u-1',
      attributes: { plan: 'pro', seats: 3, vip: true },
    });
    expect(Object.keys(patched.json.attributes).sort()).toEqual(['plan', 'seats', 'vip']);

    const other = await visitor(server(), widgetId, { name: 'Someone' });
    const taken = await server().request('PATCH', `/v1/contacts/${other}`, { body: { externalId: 'u-1' } });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('PARLEY_ERR_CONTACT_EXTERNAL_ID_TAKEN');

    const many = Object.fromEntries(Array.from({ length: 48 }, (_, index) => [`k${index}`, index]));
    const tooMany = await server().request('PATCH', `/v1/contacts/${id}`, { body: { name: 'Changed', attributes: many } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.code).toBe('PARLEY_ERR_CONTACT_ATTRIBUTES_LIMIT');
    // Nothing of a refused change is kept.
    expect((await server().request('GET', `/v1/contacts/${id}`)).json.name).toBe('Ada Lovelace');

    for (const [body, field] of [
      [{ email: 'not-an-email' }, 'email'],
      [{ phone: '0612' }, 'phone'],
      [{ attributes: { plan: { nested: true } } }, 'attributes.plan'],
      [{ attributes: { plan: 'x'.repeat(501) } }, 'attributes.plan'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const refused = await server().request('PATCH', `/v1/contacts/${id}`, { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.field).toBe(field);
    }
    const missing = await server().request('GET', '/v1/contacts/ct_01HZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('PARLEY_ERR_CONTACT_NOT_FOUND');
    expect((await server().request('GET', '/v1/contacts/nonsense')).status).toBe(400);
  });

  it('merges a contact into another: every conversation follows, details and attributes combine by the rule, the old id resolves', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const secret = await identitySecret(server(), widgetId);
    const identity = { userId: 'merge-user', userHash: identityHash(secret, 'merge-user') };
    // `into`: a verified user with two conversations; `from`: an anonymous visitor who left an email, three conversations.
    const intoFirst = await openSession(server(), widgetId, {
      identity,
      contact: { name: 'Ada' },
      meta: { plan: 'pro', pageUrl: 'https://shop.example.com/one', browser: CHROME_MAC },
    });
    const into = await contactOf(server(), intoFirst.conversationId);
    await server().request('POST', `/v1/inbox/${intoFirst.conversationId}/resolve`, { body: {} });
    await openSession(server(), widgetId, { identity });
    const from = await visitor(server(), widgetId, { email: 'ada@example.com', phone: '+14155550123' }, { plan: 'free', team: 'red' });
    const fromConversations = [(await server().request('GET', `/v1/contacts/${from}/conversations`)).json.items[0].id];
    for (let index = 0; index < 2; index++) {
      const session = await openSession(server(), widgetId);
      await server()
        .services.database.db.updateTable('conversations')
        .set({ contact_id: from })
        .where('id', '=', session.conversationId)
        .execute();
      fromConversations.push(session.conversationId);
    }
    const before = (await server().request('GET', `/v1/contacts/${into}/conversations`)).json.items.map((c: { id: string }) => c.id);
    expect(before).toHaveLength(2);

    const merged = await server().request('POST', `/v1/contacts/${into}/merge`, { body: { from } });
    expect(merged.status).toBe(200);
    expect(merged.json.conversations).toBe(3);
    expect(merged.json.contact).toMatchObject({
      id: into,
      externalId: 'merge-user',
      name: 'Ada',
      email: 'ada@example.com',
      phone: '+14155550123',
      attributes: { plan: 'pro', team: 'red' },
    });
    const after = (await server().request('GET', `/v1/contacts/${into}/conversations`)).json.items.map((c: { id: string }) => c.id);
    expect(after.sort()).toEqual([...before, ...fromConversations].sort());
    const left = await server().services.database.db.selectFrom('conversations').select('id').where('contact_id', '=', from).execute();
    expect(left).toEqual([]);

    // The old id still answers, with the contact it became; the list shows only the survivor.
    expect((await server().request('GET', `/v1/contacts/${from}`)).json.id).toBe(into);
    expect((await server().request('GET', `/v1/contacts/${from}/conversations`)).json.items).toHaveLength(5);
    expect(await listIds(server(), `widgetId=${widgetId}&q=ada`)).toEqual([into]);
    // Nothing personal stays on the merged row: erasing the survivor erases the person.
    const row = await server().services.database.db.selectFrom('contacts').selectAll().where('id', '=', from).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ merged_into: into, email: null, phone: null, name: null, external_id: null, pages: '[]' });

    const again = await server().request('POST', `/v1/contacts/${into}/merge`, { body: { from } });
    expect(again.status).toBe(409);
    const self = await server().request('POST', `/v1/contacts/${into}/merge`, { body: { from: into } });
    expect(self.json.error.code).toBe('PARLEY_ERR_CONTACT_MERGE_CONFLICT');
    const { widgetId: otherWidget } = await createBotAndWidget(server());
    const stranger = await visitor(server(), otherWidget, { name: 'Elsewhere' });
    const crossWidget = await server().request('POST', `/v1/contacts/${into}/merge`, { body: { from: stranger } });
    expect(crossWidget.status).toBe(409);
    const otherUser = await openSession(server(), widgetId, { identity: { userId: 'u2', userHash: identityHash(secret, 'u2') } });
    const twoUsers = await server().request('POST', `/v1/contacts/${into}/merge`, {
      body: { from: await contactOf(server(), otherUser.conversationId) },
    });
    expect(twoUsers.status).toBe(409);
    expect(twoUsers.json.error.message).toContain('u2');

    // The survivor merged again: the first merged id follows it.
    const third = await visitor(server(), widgetId, { name: 'Third' });
    expect((await server().request('POST', `/v1/contacts/${third}/merge`, { body: { from: into } })).status).toBe(200);
    expect((await server().request('GET', `/v1/contacts/${from}`)).json.id).toBe(third);
    // The identity now reaches the survivor: the verified user's next session lands there.
    const back = await openSession(server(), widgetId, { identity });
    expect(await contactOf(server(), back.conversationId)).toBe(third);
  });

  it('exports CSV with the same filters and imports it back unchanged; an import updates by external id or email', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const ada = await visitor(
      server(),
      widgetId,
      { name: 'Ada, Countess', email: 'ada@example.com', phone: '+14155550123' },
      { plan: 'pro' },
    );
    await server().request('PATCH', `/v1/contacts/${ada}`, {
      body: { externalId: 'u-ada', attributes: { seats: 3, vip: true, zip: '02134', formula: '=1+1' } },
    });
    await visitor(server(), widgetId, { name: 'Grace "Amazing" Hopper', email: 'grace@example.com' });
    await visitor(server(), widgetId, { name: 'No email' });

    const exported = await server().request('GET', `/v1/contacts.csv?widgetId=${widgetId}&hasEmail=true&sort=name`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = exported.body.split('\r\n');
    expect(lines[0]).toBe(
      'id,widget_id,external_id,name,email,phone,first_seen_at,last_seen_at,browser,os,device,created_at,updated_at,attributes.formula,attributes.plan,attributes.seats,attributes.vip,attributes.zip',
    );
    expect(lines[1]).toContain(`${ada},${widgetId},u-ada,"Ada, Countess",ada@example.com,'+14155550123,`);
    expect(lines[1]).toMatch(/,'=1\+1,pro,3,true,02134$/);
    expect(lines[2]).toContain('"Grace ""Amazing"" Hopper",grace@example.com');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');

    const snapshot = async (): Promise<unknown[]> =>
      (await list(server(), `widgetId=${widgetId}&sort=created`)).json.items.map(
        ({ updatedAt: _u, ...contact }: { updatedAt: string }) => contact,
      );
    const before = await snapshot();
    const reimported = await csv(server(), '', exported.body);
    expect(reimported.status).toBe(200);
    expect(reimported.json).toEqual({ created: 0, updated: 2, failed: 0, errors: [] });
    expect(await snapshot()).toEqual(before);

    // Into another widget, as it is: the parameter names the widget of every row.
    const { widgetId: copy } = await createBotAndWidget(server());
    const copied = await csv(server(), `?widgetId=${copy}`, exported.body);
    expect(copied.json).toMatchObject({ created: 2, updated: 0, failed: 0 });
    const copiedAda = (await list(server(), `widgetId=${copy}&q=u-ada`)).json.items[0];
    expect(copiedAda).toMatchObject({
      name: 'Ada, Countess',
      phone: '+14155550123',
      attributes: { plan: 'pro', seats: 3, vip: true, zip: '02134', formula: '=1+1' },
    });

    const updates = [
      'email,name,external_id,attributes.plan',
      'GRACE@example.com,Grace Hopper,,team',
      ',,u-ada,enterprise',
      'new@example.com,Newcomer,,',
      'not-an-email,Bad,,',
      ',Nobody,,',
    ].join('\n');
    const result = await csv(server(), `?widgetId=${widgetId}`, updates);
    expect(result.json).toEqual({
      created: 1,
      updated: 2,
      failed: 2,
      errors: [
        { row: 5, field: 'email', message: 'Row 5 email must be an email address such as ada@example.com.' },
        { row: 6, field: null, message: 'Row 6 has neither an email nor an external_id.' },
      ],
    });
    const grace = (await list(server(), `widgetId=${widgetId}&q=grace`)).json.items[0];
    expect(grace).toMatchObject({ name: 'Grace Hopper', attributes: { plan: 'team' } });
    expect((await server().request('GET', `/v1/contacts/${ada}`)).json).toMatchObject({
      name: 'Ada, Countess',
      attributes: { plan: 'enterprise' },
    });
    expect(await listIds(server(), `widgetId=${widgetId}&q=newcomer`)).toHaveLength(1);
  });

  it('refuses an import it cannot read, with a message saying what to send', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const cases: Array<[string, string, string, number]> = [
      ['', '', 'PARLEY_ERR_CONTACT_IMPORT_INVALID', 400],
      [`?widgetId=${widgetId}`, 'name,phone\nAda,+14155550123', 'PARLEY_ERR_CONTACT_IMPORT_INVALID', 400],
      ['', 'email,name\nada@example.com,Ada', 'PARLEY_ERR_CONTACT_IMPORT_INVALID', 400],
      [`?widgetId=${widgetId}`, 'email,name\n"ada@example.com,Ada', 'PARLEY_ERR_CONTACT_IMPORT_INVALID', 400],
      [`?widgetId=${widgetId}`, 'email,attributes.bad key\na@example.com,1', 'PARLEY_ERR_CONTACT_IMPORT_INVALID', 400],
      [
        `?widgetId=${widgetId}`,
        `email\n${Array.from({ length: 10_001 }, (_, i) => `u${i}@example.com`).join('\n')}`,
        'PARLEY_ERR_REQUEST_TOO_LARGE',
        413,
      ],
      [`?widgetId=${widgetId}`, `email\n${'x'.repeat(5 * 1024 * 1024)}`, 'PARLEY_ERR_REQUEST_TOO_LARGE', 413],
    ];
    for (const [query, body, code, status] of cases) {
      const refused = await csv(server(), query, body);
      expect(refused.status, body.slice(0, 40)).toBe(status);
      expect(refused.json.error.code).toBe(code);
    }
    const unknownWidget = await csv(server(), '', 'email,widget_id\na@example.com,wgt_01HZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(unknownWidget.json.errors[0]).toMatchObject({ row: 2, field: 'widget_id' });
    expect(await listIds(server(), `widgetId=${widgetId}`)).toEqual([]);
  });

  it('documents every contacts endpoint in OpenAPI, with its parameters', async () => {
    const spec = (await server().request('GET', '/v1/openapi.json', { auth: 'none' })).json;
    const paths = Object.keys(spec.paths).filter((path) => path.startsWith('/v1/contacts') || path.endsWith('/attributes'));
    expect(paths.sort()).toEqual(
      [
        '/v1/contacts',
        '/v1/contacts.csv',
        '/v1/contacts/import',
        '/v1/contacts/{id}',
        '/v1/contacts/{id}/conversations',
        '/v1/contacts/{id}/erase',
        '/v1/contacts/{id}/export',
        '/v1/contacts/{id}/merge',
        '/v1/conversations/{id}/attributes',
      ].sort(),
    );
    const listParameters = spec.paths['/v1/contacts'].get.parameters.map((parameter: { name: string }) => parameter.name);
    expect(listParameters).toEqual(
      expect.arrayContaining(['q', 'widgetId', 'attribute', 'seenAfter', 'seenBefore', 'hasEmail', 'sort', 'order', 'take', 'cursor']),
    );
    expect(spec.paths['/v1/contacts/{id}'].patch.requestBody).toBeDefined();
    expect(spec.paths['/v1/contacts/{id}/merge'].post.tags).toEqual(['contacts']);
  });

  it('lets agents read and edit contacts, and keeps the CSV export and import to admins', async () => {
    const { widgetId } = await createBotAndWidget(server());
    const id = await visitor(server(), widgetId, { name: 'Ada' });
    const agent = await createAgent(server());
    const asAgent = { auth: agent.token };
    expect((await server().request('GET', `/v1/contacts?widgetId=${widgetId}`, asAgent)).json.items[0].id).toBe(id);
    expect((await server().request('PATCH', `/v1/contacts/${id}`, { ...asAgent, body: { name: 'Ada L.' } })).status).toBe(200);
    expect((await server().request('GET', `/v1/contacts.csv?widgetId=${widgetId}`, asAgent)).status).toBe(403);
    expect((await csv(server(), `?widgetId=${widgetId}`, 'email\na@example.com', agent.token)).status).toBe(403);
    // The console holds a cookie only: it sends the file as JSON, the content type cookie-authenticated writes may use.
    const admin = await createAgent(server(), { role: 'admin' });
    const viaConsole = await server().request('POST', `/v1/contacts/import?widgetId=${widgetId}`, {
      auth: 'none',
      headers: { cookie: admin.cookie },
      body: { csv: 'email,name\nconsole@example.com,From the console' },
    });
    expect(viaConsole.json).toMatchObject({ created: 1, failed: 0 });
    const forged = await server().request('POST', `/v1/contacts/import?widgetId=${widgetId}`, {
      auth: 'none',
      rawBody: 'email\nforged@example.com',
      headers: { cookie: admin.cookie, 'content-type': 'text/csv' },
    });
    expect(forged.json.error.code).toBe('PARLEY_ERR_AUTH_CSRF');
    expect((await server().request('GET', '/v1/contacts', { auth: 'none' })).status).toBe(401);
    const session = await openSession(server(), widgetId);
    expect((await server().request('GET', '/v1/contacts', { auth: session.token })).status).toBe(401);
  });
});
