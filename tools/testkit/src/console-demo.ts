import type { Browser, Page } from 'playwright-core';

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
  });
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
  };
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
    { name: 'widgets', path: '/console/widgets', ready: 'New widget name' },
    { name: 'widget-editor', path: `/console/widgets/${demo.widgetId}`, ready: 'Embed code' },
    { name: 'blueprints', path: '/console/blueprints', ready: 'Brand defaults' },
    { name: 'blueprint-editor', path: `/console/blueprints/${demo.blueprintId}`, ready: 'Appearance' },
    { name: 'bots', path: '/console/bots', ready: 'New bot' },
    { name: 'agents', path: '/console/agents', ready: 'Sam Rivera' },
    { name: 'api-keys', path: '/console/api-keys', ready: 'CRM sync' },
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
