import { openConsole, widget } from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import type { DeskEnv } from './desk-env.js';

export interface DeskAgent {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly password: string;
}

/** An agent logged into the console through its form, in a browser context of their own (logging in sets them online). */
export function consoleAs(browser: Browser, env: DeskEnv, agent: Pick<DeskAgent, 'email' | 'password'>): Promise<Page> {
  return openConsole(browser, { baseUrl: env.serverUrl, adminEmail: agent.email, adminPassword: agent.password });
}

/** A visitor on the host page of `widgetId`, in a browser context of their own, with the chat open. */
export async function visitorOn(browser: Browser, env: DeskEnv, widgetId: string): Promise<Page> {
  // bypassCSP: axe-core is injected as an inline script (the pages forbid inline scripts).
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(30_000); // Two cores shared with other suites.
  const page = await context.newPage();
  await page.goto(env.hostPage(widgetId));
  await widget(page).launcher().click();
  await widget(page).composer().waitFor();
  return page;
}

/** The visitor asks the built-in bot something it does not know, then picks its "Talk to a human" reply. */
export async function askForHuman(page: Page): Promise<void> {
  await widget(page).send('Can you fix my invoice address?');
  await widget(page).log().getByRole('button', { name: 'Talk to a human' }).click();
  await widget(page).log().getByText('Waiting for a human to join.').waitFor();
}

/** The conversation the widget on this page holds (from its localStorage). */
export function conversationOf(page: Page, widgetId: string): Promise<string> {
  return page.evaluate((id) => {
    const stored = JSON.parse(localStorage.getItem(`parley:v1:${id}`) ?? '{}') as { session?: { conversationId?: string } };
    return stored.session?.conversationId ?? '';
  }, widgetId);
}

/** Every text the widget holds: its shadow roots' markup and everything it stored in localStorage. */
export function widgetFootprint(page: Page): Promise<string> {
  return page.evaluate(() => {
    const shadows = [...document.querySelectorAll('*')].flatMap((element) => (element.shadowRoot ? [element.shadowRoot.innerHTML] : []));
    return [document.body.innerHTML, ...shadows, JSON.stringify({ ...localStorage })].join('\n');
  });
}
