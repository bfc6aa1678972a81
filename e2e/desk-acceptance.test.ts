import { axeViolations, widget } from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskE2e, type DeskE2e, type DeskEnv } from './support/desk-env.js';
import { askForHuman, consoleAs, conversationOf, visitorOn, widgetFootprint, type DeskAgent } from './support/desk-people.js';

/** How the console names a visitor who gave no name. */
const visitorName = (conversationId: string): RegExp => new RegExp(`Visitor ${conversationId.slice(-4).toUpperCase()}`);

interface InboxPage {
  readonly items: readonly { conversation: { id: string; owner: string; assignee: { id: string; name: string } | null } }[];
}

/**
 * Issue 7's acceptance: visitors on a host page with the real widget (script tag) and agents in the
 * console, each in a browser context of their own, against the built server; mail goes to a real
 * SMTP server started here.
 */
describe('the agent desk end to end: visitors in the widget, agents in the console', () => {
  let env: DeskEnv;
  let browser: Browser;
  let desk: DeskE2e | undefined;
  let botId: string;
  /** Ana, Ben and Cleo form the Desk team; Dev is alone in the Night team and never logs in. */
  const agents: Record<'ana' | 'ben' | 'cleo' | 'dev', DeskAgent> = {} as never;
  const tokens = new Map<string, string>();
  let deskTeam: string;
  let anaTeam: string;
  let nightTeam: string;

  beforeAll(async () => {
    ({ env, browser } = desk = await startDeskE2e());
    botId = (await env.api<{ botId: string }>('GET', `/v1/widgets/${env.demoWidgetId}`)).botId;
    for (const [key, name] of [
      ['ana', 'Ana Lima'],
      ['ben', 'Ben Okafor'],
      ['cleo', 'Cleo Park'],
      ['dev', 'Dev Night'],
    ] as const) {
      const email = `${key}@example.com`;
      const password = `${key}-password-1`;
      const created = await env.api<{ id: string }>('POST', '/v1/agents', { email, name, password, role: 'agent' });
      agents[key] = { id: created.id, name, email, password };
    }
    const team = (name: string, members: readonly DeskAgent[]) =>
      env.api<{ id: string }>('POST', '/v1/teams', { name, agentIds: members.map((agent) => agent.id) }).then((t) => t.id);
    deskTeam = await team('Desk', [agents.ana, agents.ben, agents.cleo]);
    anaTeam = await team('Ana only', [agents.ana]);
    nightTeam = await team('Night', [agents.dev]);
  }, 60_000);
  afterAll(() => desk?.close());

  const widgetFor = async (name: string, teamId: string) =>
    (await env.api<{ id: string }>('POST', '/v1/widgets', { name, botId, teamId, routing: 'round_robin' })).id;
  const tokenOf = async (agent: DeskAgent): Promise<string> => {
    const known = tokens.get(agent.id);
    if (known !== undefined) return known;
    const { token } = await env.api<{ token: string }>('POST', '/v1/auth/login', { email: agent.email, password: agent.password }, '');
    tokens.set(agent.id, token);
    return token;
  };
  const item = async (conversationId: string) =>
    (
      await env.api<{ conversation: { owner: string; assignee: { id: string; name: string } | null } }>(
        'GET',
        `/v1/inbox/${conversationId}`,
      )
    ).conversation;
  /** A visitor of a new widget of Ana's team asks for a human; routing gives Ana the conversation, which she opens in the console. */
  const handedToAna = async (widgetName: string) => {
    const widgetId = await widgetFor(widgetName, anaTeam);
    const ana = await consoleAs(browser, env, agents.ana);
    const visitor = await visitorOn(browser, env, widgetId);
    await askForHuman(visitor);
    const conversationId = await conversationOf(visitor, widgetId);
    await expect.poll(async () => (await item(conversationId)).assignee?.id).toBe(agents.ana.id);
    await ana.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    await ana.getByText('live (ws)').waitFor();
    return { widgetId, ana, visitor, conversationId };
  };

  it('hands a conversation from the bot to a human when the visitor asks: the console inbox and the widget follow live', async () => {
    const widgetId = await widgetFor('Handoff', anaTeam);
    const ana = await consoleAs(browser, env, agents.ana);
    await ana.goto(`${env.serverUrl}/console/inbox`);
    await ana.getByRole('button', { name: 'Mine', exact: true }).click();
    const list = ana.getByTestId('conversation-list');

    const visitor = await visitorOn(browser, env, widgetId);
    expect(await axeViolations(visitor), 'widget open on the host page').toEqual([]);
    await widget(visitor).send('hello');
    await widget(visitor).log().getByText('Ask me about pricing').waitFor();
    await askForHuman(visitor);
    const conversationId = await conversationOf(visitor, widgetId);

    // Routing gave it to Ana (the only online agent of the widget's team): her "Mine" list shows it without a reload.
    await list.getByRole('link', { name: visitorName(conversationId) }).waitFor();
    expect(await item(conversationId)).toMatchObject({ owner: 'human', assignee: { id: agents.ana.id } });
    // The widget says who answers now.
    await widget(visitor).window().getByRole('status').getByText('You are chatting with Ana Lima.').waitFor();
    expect(await axeViolations(visitor), 'widget with an agent').toEqual([]);
    expect(await axeViolations(ana), 'inbox with the handed-off conversation').toEqual([]);
    await Promise.all([visitor, ana].map((page) => page.context().close()));
  }, 120_000);

  it('assigns three handoffs round robin to the three online agents of the widget team', async () => {
    const widgetId = await widgetFor('Round robin', deskTeam);
    // The three log into the console (which sets them online).
    const consoles = [
      await consoleAs(browser, env, agents.ben),
      await consoleAs(browser, env, agents.cleo),
      await consoleAs(browser, env, agents.ana),
    ];
    const assignees: string[] = [];
    const conversations: string[] = [];
    for (let n = 0; n < 3; n++) {
      const visitor = await visitorOn(browser, env, widgetId);
      await askForHuman(visitor);
      const conversationId = await conversationOf(visitor, widgetId);
      await expect.poll(async () => (await item(conversationId)).owner).toBe('human');
      assignees.push((await item(conversationId)).assignee?.id ?? '');
      conversations.push(conversationId);
      await visitor.context().close();
    }
    expect(new Set(assignees)).toEqual(new Set([agents.ana.id, agents.ben.id, agents.cleo.id]));
    // Each agent's own "Mine" view holds their round-robin conversation.
    for (const agent of [agents.ana, agents.ben, agents.cleo]) {
      const mine = await env.api<InboxPage>('GET', '/v1/inbox?view=mine&status=open', undefined, await tokenOf(agent));
      const own = conversations[assignees.indexOf(agent.id)] ?? '';
      expect(mine.items.map((entry) => entry.conversation.id)).toContain(own);
    }
    // In the console too: Ben's and Cleo's "Mine" lists show theirs.
    for (const [page, agent] of [
      [consoles[0], agents.ben],
      [consoles[1], agents.cleo],
    ] as const) {
      await page?.goto(`${env.serverUrl}/console/inbox`);
      await page?.getByRole('button', { name: 'Mine', exact: true }).click();
      const own = conversations[assignees.indexOf(agent.id)] ?? '';
      await page
        ?.getByTestId('conversation-list')
        .getByRole('link', { name: visitorName(own) })
        .waitFor();
    }
    await Promise.all(consoles.map((page) => page.context().close()));
  }, 180_000);

  it('shows typing and read receipts both ways, moves the widget along on a transfer, and keeps a private note out of the widget', async () => {
    const { widgetId, ana, visitor, conversationId } = await handedToAna('Conversation');
    const timeline = ana.getByRole('log', { name: 'Messages' });
    // Where the visitor is, as the widget reported it: the host page and the browser.
    const facts = ana.getByRole('complementary', { name: 'Visitor' });
    await facts.getByText(env.hostPage(widgetId), { exact: true }).waitFor();
    await facts.getByText(/Chrome/).waitFor();

    // The visitor types: the console shows it.
    await widget(visitor).composer().pressSequentially('one more thing');
    await ana.getByText('The visitor is typing').first().waitFor({ state: 'attached' });
    await widget(visitor).composer().press('Enter');
    await timeline.getByText('one more thing').waitFor();
    // The agent has the conversation open, so the visitor's message reads as read in the widget.
    await widget(visitor).log().getByText('· Read').waitFor();

    // The agent types: the widget shows it.
    const reply = ana.getByLabel('Reply to the visitor');
    await reply.fill('Let me look');
    await visitor.getByRole('status', { name: /is typing/ }).waitFor();
    await reply.fill('Hi, Ana here. Which address should it show?');
    await reply.press('Enter');
    await widget(visitor).log().getByText('Which address should it show?').waitFor();
    // The open widget read it: "Seen" in the console.
    await ana.getByText('Seen by the visitor').waitFor();

    // A private note, then a reply: the reply reaches the widget, the note never does.
    await ana.getByRole('button', { name: 'Private note' }).click();
    await ana.getByLabel('Private note (only agents see it)').fill('Secret: customer owes 2 invoices');
    await ana.keyboard.press('Enter');
    await timeline.locator('[data-kind="note"]', { hasText: 'customer owes 2 invoices' }).waitFor();
    await ana.getByRole('button', { name: 'Reply', exact: true }).click();
    await reply.fill('I am passing you to Ben, our billing expert.');
    await reply.press('Enter');
    await widget(visitor).log().getByText('passing you to Ben').waitFor();
    expect(await widgetFootprint(visitor)).not.toContain('customer owes');
    expect(await axeViolations(ana), 'conversation view with a note').toEqual([]);

    // Transfer to Ben: the widget gets the status change.
    await ana
      .getByRole('toolbar', { name: 'Conversation actions' })
      .getByRole('button', { name: /Assign/ })
      .click();
    await ana.getByRole('menuitemradio', { name: /^Ben Okafor/ }).click();
    await widget(visitor).window().getByRole('status').getByText('You are chatting with Ben Okafor.').waitFor();
    expect(await item(conversationId)).toMatchObject({ owner: 'human', assignee: { id: agents.ben.id } });
    expect(await widgetFootprint(visitor)).not.toContain('customer owes');
    await visitor.reload();
    await widget(visitor).log().getByText('passing you to Ben').waitFor();
    expect(await widgetFootprint(visitor)).not.toContain('customer owes');
    expect(await axeViolations(visitor), 'widget after the transfer').toEqual([]);
    await Promise.all([visitor, ana].map((page) => page.context().close()));
  }, 180_000);

  it('shows a waiting visitor their place in the queue until an agent takes the conversation from the console', async () => {
    // Manual routing: the handoff waits in the queue although agents are online.
    const widgetId = (await env.api<{ id: string }>('POST', '/v1/widgets', { name: 'Manual', botId, teamId: deskTeam, routing: 'manual' }))
      .id;
    const visitor = await visitorOn(browser, env, widgetId);
    await askForHuman(visitor);
    const conversationId = await conversationOf(visitor, widgetId);
    const queued = await env.api<{ conversation: { owner: string }; queue: { position: number } | null }>(
      'GET',
      `/v1/inbox/${conversationId}`,
    );
    expect(queued).toMatchObject({ conversation: { owner: 'queued' }, queue: { position: expect.any(Number) } });
    const place = widget(visitor).window().getByRole('status').getByText(`You are number ${queued.queue?.position} in line.`);
    await place.waitFor();
    expect(await axeViolations(visitor), 'widget waiting in the queue').toEqual([]);

    // Ana sees it waiting in the Unassigned list, opens it and takes it.
    const ana = await consoleAs(browser, env, agents.ana);
    await ana.goto(`${env.serverUrl}/console/inbox`);
    await ana.getByRole('button', { name: 'Unassigned', exact: true }).click();
    await ana
      .getByTestId('conversation-list')
      .getByRole('link', { name: visitorName(conversationId) })
      .click();
    await ana.getByText('live (ws)').waitFor();
    await ana.getByText('Waiting for an agent').waitFor();
    await ana
      .getByRole('toolbar', { name: 'Conversation actions' })
      .getByRole('button', { name: /Assign/ })
      .click();
    await ana.getByRole('menuitemradio', { name: /^Me \(Ana Lima\)/ }).click();
    await widget(visitor).window().getByRole('status').getByText('You are chatting with Ana Lima.').waitFor();
    await place.waitFor({ state: 'detached' });
    await visitor.context().close();
    await ana.context().close();
  }, 120_000);

  it('asks the visitor for a rating once an agent resolves the conversation in the console, and stores the rating', async () => {
    const { ana, visitor, conversationId } = await handedToAna('Rating');
    await ana.getByLabel('Reply to the visitor').fill('Done: the address is fixed.');
    await ana.keyboard.press('Enter');
    await widget(visitor).log().getByText('the address is fixed').waitFor();
    await ana.getByRole('button', { name: 'Resolve' }).click();
    await ana.getByRole('button', { name: 'Reopen' }).waitFor();

    await widget(visitor).log().getByText('How was this conversation?').waitFor();
    expect(await axeViolations(visitor), 'widget asking for a rating').toEqual([]);
    await widget(visitor).log().getByRole('radio', { name: '4/5' }).click();
    await widget(visitor).log().getByRole('button', { name: 'Send' }).click();
    await widget(visitor).log().getByText('Thank you for your feedback!').first().waitFor();
    // Stored as a rating (an event agents see), not as a chat message that would reopen the conversation to the bot;
    // the visitor is thanked instead of shown the agents' line. The thanks shows as the rating is sent, so the stored
    // rating is waited for (under load it was not there yet when first asked).
    const token = await tokenOf(agents.ana);
    const storedRating = async () =>
      (
        await env.api<{ items: { type: string; payload: Record<string, unknown> | null }[] }>(
          'GET',
          `/v1/conversations/${conversationId}/messages`,
          undefined,
          token,
        )
      ).items.find((message) => message.payload?.['event'] === 'rating');
    await expect.poll(storedRating, { timeout: 10_000 }).toMatchObject({
      type: 'event',
      payload: { event: 'rating', score: 4 },
    });
    expect(await item(conversationId)).toMatchObject({ owner: 'resolved' });
    await ana.getByRole('log', { name: 'Messages' }).getByText('The visitor rated the conversation 4/5.').waitFor();
    await Promise.all([visitor, ana].map((page) => page.context().close()));
  }, 120_000);

  it('switches the widget to offline mode outside the business hours set on the widget, with its own offline message', async () => {
    // Open every day but today (UTC): agents are online, yet nobody answers now.
    const today = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date().getUTCDay()];
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].filter((day) => day !== today);
    const widgetId = (
      await env.api<{ id: string }>('POST', '/v1/widgets', {
        name: 'Closed today',
        botId,
        teamId: anaTeam,
        businessHours: { timezone: 'UTC', hours: [{ days, from: '00:00', to: '23:59' }] },
        offlineMessage: 'We are closed today. Leave your email and we will write back tomorrow.',
      })
    ).id;
    const visitor = await visitorOn(browser, env, widgetId);
    await askForHuman(visitor);
    const form = widget(visitor)
      .window()
      .getByRole('form', { name: 'We are closed today. Leave your email and we will write back tomorrow.' });
    await form.getByLabel('Email').waitFor();
    const conversationId = await conversationOf(visitor, widgetId);
    expect(await item(conversationId)).toMatchObject({ owner: 'queued', assignee: null });
    await visitor.context().close();
  }, 120_000);

  it('switches the widget to offline mode with nobody online, takes an email, and mails an agent reply to it', async () => {
    const widgetId = await widgetFor('Offline', nightTeam);
    let visitor = await visitorOn(browser, env, widgetId);
    const context = visitor.context();
    await askForHuman(visitor);
    const conversationId = await conversationOf(visitor, widgetId);

    // Nobody of the Night team is online: the widget says so and asks for an email, focus on the field.
    const form = widget(visitor)
      .window()
      .getByRole('form', { name: /No one can answer right now/ });
    await form.waitFor();
    await widget(visitor).window().getByText('We are away right now').waitFor();
    const email = form.getByLabel('Email');
    await expect.poll(() => email.evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await axeViolations(visitor), 'widget in offline mode').toEqual([]);
    await email.fill('not-an-email');
    await form.getByRole('button', { name: 'Continue' }).click();
    await form.getByRole('alert').getByText('Please enter a valid email address.').waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(visitor), 'offline form with its validation message').toEqual([]);
    await email.fill('grace@example.com');
    await form.getByRole('button', { name: 'Continue' }).click();
    await widget(visitor).window().getByRole('status').getByText('Thank you! We will reply by email.').waitFor();
    await expect
      .poll(async () => (await env.api<{ contact: { email: string | null } }>('GET', `/v1/inbox/${conversationId}`)).contact.email)
      .toBe('grace@example.com');
    // The widget sent where the visitor is (the console's context panel shows it).
    const context2 = await env.api<{ context: { pageUrl: string | null; browser: string | null } }>('GET', `/v1/inbox/${conversationId}`);
    expect(context2.context.pageUrl).toBe(env.hostPage(widgetId));
    expect(context2.context.browser).toContain('Chrome');
    await visitor.close(); // The visitor leaves.

    // Later, an agent answers from the console: the reply is mailed to the visitor's address.
    const ana = await consoleAs(browser, env, agents.ana);
    await ana.goto(`${env.serverUrl}/console/inbox/${conversationId}`);
    await ana.getByText('live (ws)').waitFor();
    await ana.getByLabel('Reply to the visitor').fill('Sorry for the wait: your invoice is corrected.');
    await ana.keyboard.press('Enter');
    await expect
      .poll(() => env.mails.find((mail) => mail.to.includes('grace@example.com'))?.raw, { timeout: 20_000 })
      .toContain('your invoice is corrected');

    // And when the visitor comes back, the reply is in the conversation (the chat opens as they left it).
    visitor = await context.newPage();
    await visitor.goto(env.hostPage(widgetId));
    await widget(visitor).log().getByText('your invoice is corrected').waitFor();
    const mails = env.mails.filter((mail) => mail.to.includes('grace@example.com'));
    expect(mails).toHaveLength(1); // Each reply is mailed once.
    expect(mails[0]?.raw).toContain('Subject: Ana Lima replied to your message');
    await Promise.all([context.close(), ana.context().close()]);
  }, 120_000);
});
