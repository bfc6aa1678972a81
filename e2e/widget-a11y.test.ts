import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** What the visitor's keyboard focus is on, looking inside the widget's shadow root. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const host = document.activeElement;
    const inner = host?.shadowRoot?.activeElement ?? host;
    return `${inner?.tagName.toLowerCase()}|${inner?.getAttribute('aria-label') ?? ''}|${inner?.getAttribute('placeholder') ?? ''}`;
  });
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('accessibility and right-to-left', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let arabicId: string;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    arabicId = (await env.admin('POST', '/v1/widgets', { name: 'Arabic', botId: demo['botId'], language: 'ar', languages: ['ar'] })).id;
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('has no axe-core violations closed, open, with messages, and with the restart dialog', async () => {
    // axe-core is injected as an inline script, which the host page's strict CSP would refuse.
    // Reduced motion: axe measures colours at rest, not halfway through the window's opening fade.
    const page = await (await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce' })).newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await widget(page).launcher().click();
    await widget(page).window().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await widget(page).send('pricing?');
    await widget(page).log().getByText('free to self-host').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.getByRole('alertdialog').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('works by keyboard: the launcher opens into the text box, Escape closes and focus returns to the launcher', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().waitFor();
    await page.keyboard.press('Tab');
    await expect.poll(() => focused(page)).toBe('button|Open chat|');
    await page.keyboard.press('Enter');
    await widget(page).window().waitFor();
    await expect.poll(() => focused(page)).toBe('textarea||Type a message…');
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    // The restart question keeps focus on its answers; Escape dismisses it and leaves the chat open.
    await page.getByRole('button', { name: 'Restart' }).click();
    await expect.poll(() => focused(page)).toBe('button||');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(
      page
        .getByRole('alertdialog')
        .getByRole('button', { name: 'No' })
        .evaluate((button) => button === (button.getRootNode() as ShadowRoot).activeElement),
    ).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await widget(page).window().waitFor();
    await page.keyboard.press('Escape');
    await widget(page).window().waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('button|Open chat|');
    await page.close();
  });

  it("leaves the page's focus where it is when the window is restored open by a reload; a click opens it into the text box", async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await first.goto(`${env.hostUrl}/script-tag.html`);
    await widget(first).launcher().click();
    await expect.poll(() => focused(first)).toBe('textarea||Type a message…');
    await first.close();
    // The next page of the site: the window opens by itself (it was left open), while the page's own search field,
    // focused as the page loads, keeps the keyboard: nobody clicked anything on this page. Watched from inside the
    // page and said on the console, because any call of Playwright's into the page (a locator, an evaluate) gives the
    // page a user activation of its own, which would look like the visitor's click.
    const next = await context.newPage();
    await next.addInitScript(() =>
      document.addEventListener('DOMContentLoaded', () => {
        const search = document.createElement('input');
        search.setAttribute('aria-label', 'Search the site');
        document.body.prepend(search);
        search.focus();
        const watch = setInterval(() => {
          const box = [...document.querySelectorAll('*')].find((element) => element.shadowRoot?.querySelector('textarea'));
          if (box === undefined) return;
          clearInterval(watch);
          // The composer's effects run after the frame that showed it.
          requestAnimationFrame(() =>
            setTimeout(() => {
              const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation?.isActive;
              console.log(`parley-focus ${JSON.stringify({ focused: document.activeElement?.tagName, activation })}`);
            }, 100),
          );
        }, 20);
      }),
    );
    const said = new Promise<string>((resolve) =>
      next.on('console', (message) => message.text().startsWith('parley-focus ') && resolve(message.text().slice('parley-focus '.length))),
    );
    await next.goto(`${env.hostUrl}/script-tag.html`);
    expect(JSON.parse(await said)).toEqual({ focused: 'INPUT', activation: false });
    expect(await focused(next)).toBe('input|Search the site|');
    await next.keyboard.type('pricing');
    expect(await next.getByLabel('Search the site').inputValue()).toBe('pricing');
    // Closed and opened again by the visitor's click: now the text box takes the keyboard.
    await widget(next).launcher().click();
    await widget(next).window().waitFor({ state: 'detached' });
    await widget(next).launcher().click();
    await expect.poll(() => focused(next)).toBe('textarea||Type a message…');
    await context.close();
  });

  it('announces new messages politely: the conversation is an aria-live log', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await expect(widget(page).log().getAttribute('aria-live')).resolves.toBe('polite');
    await page.close();
  });

  it('lays the widget out right to left, in Arabic, for an Arabic widget, with no axe violation', async () => {
    const page = await (await browser.newContext({ bypassCSP: true, reducedMotion: 'reduce' })).newPage();
    await page.goto(`${env.hostUrl}/script-tag.html?widget=${arabicId}`);
    const launcher = page.locator('[data-parley]').getByRole('button').first();
    await launcher.click();
    const root = await page.evaluate(() => {
      const element = document.querySelector('[data-parley]')?.shadowRoot?.querySelector('.root');
      return {
        dir: element?.getAttribute('dir'),
        lang: element?.getAttribute('lang'),
        direction: element && getComputedStyle(element).direction,
      };
    });
    expect(root).toEqual({ dir: 'rtl', lang: 'ar', direction: 'rtl' });
    await expect(page.getByRole('textbox').getAttribute('placeholder')).resolves.not.toBe('Type a message…');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
