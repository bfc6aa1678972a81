import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchBrowser, startScriptedBot, startWidgetEnv, widget, type ScriptedBot, type WidgetEnv } from '@parley/testkit';

/** The visitor's conversation id, as the widget stores it for `widgetId`. */
async function conversationOf(page: Page, widgetId: string): Promise<string> {
  const stored = await page.evaluate((key) => localStorage.getItem(key) ?? '{}', `parley:v1:${widgetId}`);
  return (JSON.parse(stored) as { session: { conversationId: string } }).session.conversationId;
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('the widget’s messages: who answers, carousels, fallbacks, math, rating', { timeout: 90_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let bot: ScriptedBot;
  const widgets: Record<'rich' | 'plain', string> = { rich: '', plain: '' };
  beforeAll(async () => {
    [env, browser, bot] = await Promise.all([startWidgetEnv(), launchBrowser(), startScriptedBot()]);
    const scripted = await env.admin('POST', '/v1/bots', {
      kind: 'webhook',
      name: 'Acme assistant',
      config: { url: bot.url, flavor: 'generic', allowPrivateNetwork: true },
    });
    widgets.rich = (await env.admin('POST', '/v1/widgets', { name: 'Rich', botId: scripted.id, title: 'Acme', math: true })).id;
    widgets.plain = (await env.admin('POST', '/v1/widgets', { name: 'Plain', botId: scripted.id, carousel: false, form: false })).id;
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await bot?.close();
  });

  const openWidget = async (id: string, width = 1280): Promise<Page> => {
    // CSP bypassed: axe is injected as an inline script.
    const page = await (await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true })).newPage();
    await page.goto(`${env.hostUrl}/script-tag.html?widget=${id}`);
    await widget(page).launcher().click();
    return page;
  };
  const names = (page: Page) => widget(page).log().locator('.name');

  it('shows who answers: the bot with a Bot tag, an agent by name and initials, each run’s name and time once', async () => {
    const page = await openWidget(env.widgetId);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await expect(names(page).last().textContent()).resolves.toMatch(/Bot$/);
    const id = await conversationOf(page, env.widgetId);
    await env.admin('POST', `/v1/inbox/${id}/messages`, { text: 'Hi, I am here to help.' });
    await env.admin('POST', `/v1/inbox/${id}/messages`, { text: 'What is your order number?' });
    await widget(page).log().getByText('What is your order number?').waitFor();
    const agent = names(page).last();
    await expect(agent.textContent()).resolves.not.toMatch(/Bot/);
    const name = (await agent.locator('span[dir]').textContent()) ?? '';
    expect(name.length).toBeGreaterThan(0);
    await expect(agent.locator('.ava').textContent()).resolves.toBe(name.slice(0, 1).toUpperCase());
    // Two agent messages in a row: one name above them, one time under them.
    const agentRows = widget(page).log().locator('.row:has-text("here to help"), .row:has-text("order number")');
    await expect(agentRows.locator('.name').count()).resolves.toBe(1);
    await expect(agentRows.locator('time').count()).resolves.toBe(1);
    await expect
      .poll(() =>
        widget(page)
          .log()
          .evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight),
      )
      .toBeLessThan(2);
    await expect(axeViolations(page)).resolves.toEqual([]);

    // Resolved: four stars and a comment, sent together; the visitor is thanked, never shown the agents' line.
    await env.admin('POST', `/v1/inbox/${id}/resolve`, {});
    const stars = widget(page).log().getByRole('radiogroup', { name: 'How was this conversation?' });
    await stars.getByRole('radio', { name: '4/5' }).click();
    await expect(stars.getByRole('radio', { name: '4/5' }).getAttribute('aria-checked')).resolves.toBe('true');
    await widget(page).log().getByLabel('Tell us more (optional)').fill('Quick and friendly');
    await expect(axeViolations(page)).resolves.toEqual([]);
    await widget(page).log().getByRole('button', { name: 'Send' }).click();
    await widget(page).log().getByText('Thank you for your feedback!').first().waitFor();
    await expect
      .poll(async () => {
        const stored = await env.admin('GET', `/v1/inbox/${id}`);
        return JSON.stringify(stored);
      })
      .toContain('"comment":"Quick and friendly"');
    await page.reload();
    await widget(page).log().getByText('Thank you for your feedback!').first().waitFor();
    await expect(
      widget(page)
        .log()
        .getByText(/rated the conversation/)
        .count(),
    ).resolves.toBe(0);
    await page.close();
  });

  it('after a handoff keeps "Waiting for a human to join." in view when the desk appears under the log', async () => {
    const page = await openWidget(env.widgetId, 375);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    await widget(page).send('I want to talk to a human');
    const waiting = widget(page).log().getByText('Waiting for a human to join.');
    await waiting.waitFor();
    // Nobody is online on a fresh server: offline mode's email form appears under the log and makes it shorter.
    await page.locator('[data-parley] .compose').waitFor();
    await page.getByLabel('Email').first().waitFor();
    await expect
      .poll(async () => {
        const [line, log] = await Promise.all([waiting.boundingBox(), widget(page).log().boundingBox()]);
        return line !== null && log !== null && line.y >= log.y && line.y + line.height <= log.y + log.height;
      })
      .toBe(true);
    await page.close();
  });

  it('shows the peek above the closed bubble as plain words, without Markdown marks', async () => {
    const page = await openWidget(env.widgetId);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    const id = await conversationOf(page, env.widgetId);
    await page.evaluate('window.Parley.close()');
    await env.admin('POST', `/v1/inbox/${id}/messages`, { text: '**Demo admin** here, with _a question_' });
    const peek = page.locator('[data-parley] .peek p');
    await expect.poll(() => peek.textContent()).toBe('Demo admin here, with a question');
    await page.close();
  });

  it('keeps the latest quick replies clickable when the bot sends a picture after them', async () => {
    const page = await openWidget(widgets.rich);
    await widget(page).send('size chart');
    await widget(page).log().getByRole('img', { name: 'Size chart' }).waitFor();
    await widget(page).log().getByRole('button', { name: 'Large' }).click();
    await widget(page).log().getByText('got: Large').waitFor();
    // Answered: the chips are gone.
    await expect(widget(page).log().getByRole('button', { name: 'Large' }).count()).resolves.toBe(0);
    await page.close();
  });

  it('scrolls a carousel with labelled previous/next buttons, a card at a time, at 375 px too', async () => {
    const page = await openWidget(widgets.rich, 375);
    await widget(page).send('plans');
    await widget(page).log().getByText('Free forever').waitFor();
    const next = widget(page).log().getByRole('button', { name: 'Next' });
    const track = widget(page).log().getByRole('list');
    await expect(widget(page).log().getByRole('button', { name: 'Previous' }).count()).resolves.toBe(0);
    await widget(page).log().getByText('1 / 3').waitFor();
    await next.focus();
    await page.keyboard.press('Enter');
    await widget(page).log().getByText('2 / 3').waitFor();
    await expect.poll(() => track.evaluate((element) => element.scrollLeft)).toBeGreaterThan(100);
    await widget(page).log().getByRole('button', { name: 'Previous' }).click();
    await widget(page).log().getByText('1 / 3').waitFor();
    await expect(axeViolations(page)).resolves.toEqual([]);
    await page.close();
  });

  it('renders inline $…$ math and leaves prices as text; underscores inside words are not emphasis', async () => {
    const page = await openWidget(widgets.rich);
    await widget(page).send('math');
    await widget(page)
      .log()
      .getByText(/prices stay text: \$5 and \$10\./)
      .waitFor();
    await expect.poll(() => widget(page).log().locator('math').count()).toBe(3);
    const display = widget(page).log().locator('math[display=block]').last();
    // Display math as large as the text around it at least (it was about 13 px beside 15 px text).
    await expect.poll(() => display.evaluate((element) => parseFloat(getComputedStyle(element).fontSize))).toBeGreaterThan(17);
    await widget(page).send('set my_var_name please');
    await widget(page).log().getByText('got: set my_var_name please').waitFor();
    await expect(widget(page).log().locator('em').count()).resolves.toBe(0);
    await page.close();
  });

  it('with carousel and form off, shows the cards and the form as text with quick replies and links', async () => {
    const page = await openWidget(widgets.plain);
    await widget(page).send('plans');
    await widget(page).log().getByText('Free forever').waitFor();
    await expect(
      widget(page)
        .log()
        .getByRole('link', { name: /Read more/ })
        .getAttribute('href'),
    ).resolves.toBe('https://example.com/pro');
    await widget(page).log().getByRole('button', { name: 'Choose Basic' }).click();
    await widget(page).log().getByText('got: basic please').waitFor();
    await widget(page).send('sign up');
    await widget(page).log().getByText('Email *').waitFor();
    await widget(page).log().getByText('Team size: 1-10, 11-50').waitFor();
    await expect(widget(page).log().locator('form').count()).resolves.toBe(0);
    await expect(axeViolations(page)).resolves.toEqual([]);
    await page.close();
  });
});
