import type { Browser, Page } from 'playwright-core';
import { startScriptedBot } from './scripted-bot.js';

/**
 * A started server with some life in it, and the list of console pages, shared by the console e2e
 * tests and `npm run screenshots` so both walk exactly the same pages.
 */
export interface ConsoleDemo {
  readonly baseUrl: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  /** The admin's session token (Bearer for the API outside a browser). */
  readonly token: string;
  readonly widgetId: string;
  readonly blueprintId: string;
  /** A visitor conversation with a few messages, and the visitor's session token. */
  readonly conversationId: string;
  readonly visitorToken: string;
  /** A conversation with a bot answer, a visitor, an agent's reply, a private note and the agent's files (an image, a text). */
  readonly richConversationId: string;
  /** A conversation the scripted bot answered with a carousel, a form and quick replies, then handed to Sam and snoozed. */
  readonly botConversationId: string;
  /** Ada's contact (the first conversation's): a page, a device and attributes from her session. */
  readonly contactId: string;
}

/** A 160×100 picture of a receipt, for the conversation's inline image. */
const RECEIPT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAKAAAABkCAIAAACO1KzYAAAA5klEQVR42u3ZMQ3AIBCGUVx0xAdmqgI/zHVQGbhpGoYONXHhXvIp4OVfuPK8SxtXPAFgARZgARZgARZgwEoFXM+pP8CAAQMGDBgwYMCAAQMGDBgwYMCAAQMGDBiwa5JrkgALsAALsAALMGABFmABFmABFmABBqwkwOO6FTMLtmCvAFiABViABViABRiwAAuwAAuwnAudCy3YggVYgAVYgAVYgAUYsAALsAALsJwLnQst2IIFWIAFWIAFWIABC7DW0Vu0AAMmB1iAAQMGDBgwYMCAAQMGLMDyFy3AAizAAgxYgAVYsfoAtcvNzHI9BGkAAAAASUVORK5CYII=';

export const DEMO_ADMIN = { email: 'admin@example.com', password: 'correct horse battery' } as const;

/** The server environment that creates DEMO_ADMIN on first start (PARLEY_ADMIN_EMAIL, PARLEY_ADMIN_PASSWORD). */
export const CONSOLE_ADMIN_ENV: Readonly<Record<string, string>> = {
  PARLEY_ADMIN_EMAIL: DEMO_ADMIN.email,
  PARLEY_ADMIN_PASSWORD: DEMO_ADMIN.password,
};

async function call<T>(baseUrl: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T; // Our own server's answers, in a test fixture.
}

/** Logs in as the admin created from PARLEY_ADMIN_EMAIL/PASSWORD and creates widgets, agents, a team and conversations. */
export async function seedConsoleDemo(baseUrl: string, admin: { email: string; password: string } = DEMO_ADMIN): Promise<ConsoleDemo> {
  const { token } = await call<{ token: string }>(baseUrl, 'POST', '/v1/auth/login', null, admin);
  const api = <T>(method: string, path: string, body?: unknown) => call<T>(baseUrl, method, path, token, body);
  const widgets = await api<{ items: { id: string }[] }>('GET', '/v1/widgets');
  const widgetId = widgets.items[0]?.id ?? (await api<{ id: string }>('POST', '/v1/widgets', { name: 'Support chat' })).id;
  const blueprint = await api<{ id: string }>('POST', '/v1/blueprints', { name: 'Brand defaults', theme: { primaryColor: '#0f766e' } });
  await api('POST', '/v1/api-keys', { name: 'CRM sync' });
  const team = await api<{ id: string }>('POST', '/v1/teams', { name: 'Support' });
  await api('POST', '/v1/agents', {
    email: 'sam@example.com',
    name: 'Sam Rivera',
    password: 'sam-password-1',
    role: 'agent',
    teamIds: [team.id],
  });
  const session = await call<{ token: string; conversationId: string }>(baseUrl, 'POST', `/v1/widgets/${widgetId}/sessions`, null, {
    contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
    messages: [{ type: 'user', text: 'hello' }],
    meta: {
      pageUrl: 'https://shop.example.com/pricing',
      browser: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      plan: 'pro',
      company: 'Analytical Engines Ltd',
    },
  });
  const contactId = (await api<{ contact: { id: string } }>('GET', `/v1/inbox/${session.conversationId}`)).contact.id;
  await call(baseUrl, 'POST', `/v1/conversations/${session.conversationId}/messages`, session.token, { text: 'What does it cost?' });
  await call(baseUrl, 'POST', `/v1/widgets/${widgetId}/sessions`, null, {
    contact: { name: 'Grace Hopper', email: 'grace@example.com' },
    messages: [{ type: 'user', text: 'I need to talk to a human about my invoice' }],
  });
  // One conversation with every kind of message (bot, visitor, agent, private note), for the pictures.
  const rich = await call<{ token: string; conversationId: string }>(baseUrl, 'POST', `/v1/widgets/${widgetId}/sessions`, null, {
    contact: { name: 'Mei Tan', email: 'mei@example.com' },
    messages: [{ type: 'user', text: 'hi' }],
  });
  await api('POST', `/v1/inbox/${rich.conversationId}/messages`, { text: 'Hi Mei! I am **Admin** from support. How can I help?' });
  await call(baseUrl, 'POST', `/v1/conversations/${rich.conversationId}/messages`, rich.token, {
    text: 'My invoice shows the wrong company name.',
  });
  await api('POST', `/v1/inbox/${rich.conversationId}/notes`, { text: 'Billing issue: check the account in the CRM before answering.' });
  // The agent's attachments: an image (shown inline) and a text file (a download link).
  for (const [name, bytes] of [
    ['invoice-2291.png', Buffer.from(RECEIPT_PNG, 'base64')],
    ['corrected-invoice.txt', Buffer.from('Invoice 2291\nCompany: Tan Trading Ltd.\nTotal: 42.00 EUR\n')],
  ] as const) {
    const sent = await fetch(`${baseUrl}/v1/inbox/${rich.conversationId}/files?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (!sent.ok) throw new Error(`upload ${name} → ${sent.status}: ${await sent.text()}`);
  }
  const botConversationId = await seedBotConversation(baseUrl, api, team.id);
  return {
    baseUrl,
    adminEmail: admin.email,
    adminPassword: admin.password,
    token,
    widgetId,
    blueprintId: blueprint.id,
    conversationId: session.conversationId,
    visitorToken: session.token,
    richConversationId: rich.conversationId,
    botConversationId,
    contactId,
  };
}

/**
 * Leo's conversation: the scripted bot shows a carousel and a form (what the console must show as the
 * visitor saw it), then the conversation goes to the Support team's queue, to Sam, is snoozed and wakes
 * when Leo writes — each a line of the timeline. The bot is stopped once its answers are stored.
 */
async function seedBotConversation(
  baseUrl: string,
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>,
  teamId: string,
): Promise<string> {
  const scripted = await startScriptedBot();
  try {
    const bot = await api<{ id: string }>('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Plans bot',
      config: { url: scripted.url, flavor: 'generic', allowPrivateNetwork: true },
    });
    const widget = await api<{ id: string }>('POST', '/v1/widgets', { name: 'Pricing page', botId: bot.id });
    const session = await call<{ token: string; conversationId: string }>(baseUrl, 'POST', `/v1/widgets/${widget.id}/sessions`, null, {
      contact: { name: 'Leo Park', email: 'leo@example.com' },
      meta: {
        pageUrl: 'https://example.com/pricing',
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      },
    });
    const visitor = <T>(method: string, path: string, body?: unknown) => call<T>(baseUrl, method, path, session.token, body);
    const botAnswers = async () => {
      const page = await visitor<{ items: { author: { role: string } }[] }>('GET', `/v1/conversations/${session.conversationId}/messages`);
      return page.items.filter((message) => message.author.role === 'bot').length;
    };
    // One question at a time, each after the bot's answer to the one before, so the history reads in order.
    for (const text of ['Which plans do you have?', 'I want to sign up']) {
      const before = await botAnswers();
      await visitor('POST', `/v1/conversations/${session.conversationId}/messages`, { text });
      for (let tries = 0; (await botAnswers()) === before; tries++) {
        if (tries === 100) throw new Error('the scripted bot did not answer');
        await new Promise((done) => setTimeout(done, 100));
      }
    }
    const id = session.conversationId;
    const agents = await api<{ items: { id: string; email: string }[] }>('GET', '/v1/agents');
    const sam = agents.items.find((agent) => agent.email === 'sam@example.com');
    await api('POST', `/v1/inbox/${id}/assign`, { teamId });
    if (sam !== undefined) await api('POST', `/v1/inbox/${id}/assign`, { agentId: sam.id });
    await api('POST', `/v1/inbox/${id}/snooze`, { until: new Date(Date.now() + 3_600_000).toISOString() });
    await visitor('POST', `/v1/conversations/${id}/messages`, { text: 'Is the Team plan billed yearly?' });
    return id;
  } finally {
    await scripted.close();
  }
}

export interface ConsolePage {
  readonly name: string;
  readonly path: string;
  /** Text that shows once the page has loaded its data. */
  readonly ready: string;
}

/** Every page of the console, logged in as an admin (the login page is walked before logging in). */
export function consolePages(demo: ConsoleDemo): readonly ConsolePage[] {
  return [
    { name: 'inbox', path: '/console/inbox', ready: 'Unassigned' },
    { name: 'conversation', path: `/console/inbox/${demo.richConversationId}`, ready: 'My invoice shows' },
    // A bot's carousel and form, a team queue, a transfer, a snooze and its end as timeline lines.
    { name: 'conversation-rich', path: `/console/inbox/${demo.botConversationId}`, ready: 'Snooze ended' },
    { name: 'contacts', path: '/console/contacts', ready: 'Grace Hopper' },
    { name: 'contact', path: `/console/contacts/${demo.contactId}`, ready: 'Pages visited' },
    { name: 'widgets', path: '/console/widgets', ready: 'New widget name' },
    { name: 'widget-editor', path: `/console/widgets/${demo.widgetId}`, ready: 'Embed code' },
    { name: 'blueprints', path: '/console/blueprints', ready: 'Brand defaults' },
    { name: 'blueprint-editor', path: `/console/blueprints/${demo.blueprintId}`, ready: 'Appearance' },
    { name: 'bots', path: '/console/bots', ready: 'New bot' },
    { name: 'agents', path: '/console/agents', ready: 'Sam Rivera' },
    { name: 'api-keys', path: '/console/api-keys', ready: 'CRM sync' },
    { name: 'blocks', path: '/console/blocks', ready: 'Nobody is blocked.' },
    { name: 'audit', path: '/console/audit', ready: 'api_key.created' },
    { name: 'canned-responses', path: '/console/canned-responses', ready: '/thanks' },
    { name: 'account', path: '/console/account', ready: 'Change password' },
  ];
}

type ConsoleLogin = Pick<ConsoleDemo, 'baseUrl' | 'adminEmail' | 'adminPassword'>;

/** Logs in through the form, as a person would. */
export async function loginThroughForm(page: Page, demo: ConsoleLogin): Promise<void> {
  await page.goto(`${demo.baseUrl}/console/`);
  await page.getByLabel('Email').fill(demo.adminEmail);
  await page.getByLabel('Password').fill(demo.adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#main').waitFor();
}

/**
 * A page in a browser context of its own (each person their own cookies; logging in sets an agent
 * online), logged in through the form. The context bypasses the console's CSP unless told not to:
 * axe-core is injected as an inline script, which the CSP forbids.
 */
export async function openConsole(
  browser: Browser,
  login: ConsoleLogin,
  options: { readonly bypassCSP?: boolean; readonly width?: number } = {},
): Promise<Page> {
  const context = await browser.newContext({
    bypassCSP: options.bypassCSP ?? true,
    viewport: { width: options.width ?? 1280, height: 800 },
  });
  // Two cores shared with other suites: give each step room instead of failing on a slow render.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await loginThroughForm(page, login);
  return page;
}
