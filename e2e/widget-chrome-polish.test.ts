import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { addAfterWelcome, axeViolations, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/** Whether an element's box lies inside its container's box (nothing of it cut off). */
async function inside(element: Locator, container: Locator): Promise<boolean> {
  const [inner, outer] = await Promise.all([element.boundingBox(), container.boundingBox()]);
  if (inner === null || outer === null) return false;
  return (
    inner.x >= outer.x - 0.5 &&
    inner.y >= outer.y - 0.5 &&
    inner.x + inner.width <= outer.x + outer.width + 0.5 &&
    inner.y + inner.height <= outer.y + outer.height + 0.5
  );
}

/** Whether an element's text fits: nothing hidden by overflow (an ellipsis, a clamp, a clipped label). */
function fits(element: Locator): Promise<boolean> {
  return element.evaluate((node) => node.scrollWidth <= node.clientWidth + 1 && node.scrollHeight <= node.clientHeight + 1);
}

/** WCAG contrast of an element's text colour against a background colour (both as computed `rgb(…)`). */
async function contrast(element: Locator, background: Locator): Promise<number> {
  const handle = await background.elementHandle();
  return element.evaluate((node, bg) => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r = 0, g = 0, b = 0] = rgb(css).map((c) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [a, b] = [luminance(getComputedStyle(node).color), luminance(getComputedStyle(bg as Element).backgroundColor)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }, handle);
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('the widget window: header, offline mode, layouts, several widgets (issue 15)', { timeout: 90_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let demoBot: unknown;
  const create = async (settings: Record<string, unknown>) => (await env.admin('POST', '/v1/widgets', { botId: demoBot, ...settings })).id;
  const openPage = async (widgetId: string, viewport = { width: 1280, height: 800 }, page = 'script-tag.html') => {
    // bypassCSP: axe-core is injected as an inline script, which the host page's policy forbids.
    const tab = await browser.newPage({ viewport, bypassCSP: true });
    await tab.goto(`${env.hostUrl}/${page}?widget=${widgetId}`);
    return tab;
  };
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    demoBot = (await env.admin('GET', `/v1/widgets/${env.widgetId}`))['botId'];
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('wraps a long title and the reply time in the header at 375 px, with the full texts as titles', async () => {
    const title = 'Acme Corporation Customer Support and Sales, Europe and Middle East';
    const page = await openPage(await create({ name: 'Long', title }), { width: 375, height: 812 });
    await addAfterWelcome(page, { type: 'presence', agentsOnline: 1, typicalReplyMs: 3_600_000, offline: false, offlineMessage: '' });
    await widget(page).launcher().click();
    await widget(page).send('hello');
    const header = page.locator('[data-parley] header.head');
    const status = header.locator('.avail');
    await status.getByText('Typically replies in 1 hour').waitFor();
    expect(await status.getAttribute('title')).toBe('Typically replies in 1 hour');
    expect(await fits(status.locator('span').last()), 'the reply time is not cut').toBe(true);
    expect(await inside(status, header)).toBe(true);
    const heading = header.getByRole('heading', { name: title });
    expect(await heading.getAttribute('title')).toBe(title);
    expect(await inside(heading, header)).toBe(true);
    // Two lines at most, then an ellipsis; the controls keep their room beside it.
    const lineHeight = await heading.evaluate((node) => parseFloat(getComputedStyle(node).lineHeight));
    expect((await heading.boundingBox())?.height).toBeGreaterThan(lineHeight * 1.5);
    expect(await inside(header.getByRole('button', { name: 'Close chat' }), header)).toBe(true);
    await page.close();
  });

  it('claims no availability while a person holds the conversation: the desk line names them instead', async () => {
    const page = await openPage(await create({ name: 'Held' }), { width: 375, height: 812 });
    const offline = {
      type: 'presence',
      agentsOnline: 0,
      typicalReplyMs: null,
      offline: true,
      offlineReason: 'no_agents',
      offlineMessage: '',
    };
    // An agent who answers through the API while nobody is online in the console: the conversation is theirs.
    const held = { type: 'status', owner: 'human', assignee: { id: 'agt_sam', name: 'Sam Rivera' }, status: 'open' };
    await addAfterWelcome(page, [offline, held]);
    await widget(page).launcher().click();
    await widget(page).send('hello');
    await widget(page).window().getByText('You are chatting with Sam Rivera').waitFor();
    const header = page.locator('[data-parley] header.head');
    expect(await header.getByText('We are away right now').count()).toBe(0);
    expect(await header.locator('.avail').count()).toBe(0);
    await page.close();
  });

  it('in offline mode, says so beside a hollow dot, shows a styled email form, and promises no mail without SMTP', async () => {
    const page = await openPage(await create({ name: 'Offline' }), { width: 375, height: 812 });
    await widget(page).launcher().click();
    // Nothing is claimed about who is online before the server says.
    expect(await page.locator('[data-parley] .avail').count()).toBe(0);
    await widget(page).send('Can I talk to a human?');
    const form = widget(page)
      .window()
      .getByRole('form', { name: /No one can answer right now\. Leave your email so we can get back to you\./ });
    await form.waitFor();
    const header = page.locator('[data-parley] header.head');
    await header.getByText('We are away right now').waitFor();
    expect(await header.getByText('We are online').count()).toBe(0);
    expect(await header.locator('.dot').evaluate((dot) => getComputedStyle(dot).backgroundColor)).toBe('rgba(0, 0, 0, 0)');
    // Styled by the desk extra itself (the rich extra never loaded here): a bordered box, a full-width field, the label whole.
    expect(await page.evaluate(() => document.querySelector('[data-parley]')?.shadowRoot?.adoptedStyleSheets.length)).toBeGreaterThan(1);
    expect(await form.evaluate((node) => getComputedStyle(node).borderTopStyle)).toBe('solid');
    const email = form.getByLabel('Email');
    const label = form.locator('label');
    expect(await fits(label)).toBe(true);
    expect((await email.boundingBox())?.width).toBeGreaterThan(250);
    expect(await inside(form, widget(page).window())).toBe(true);
    expect(await axeViolations(page), 'offline form').toEqual([]);
    await email.fill('grace@example.com');
    await form.getByRole('button', { name: 'Continue' }).click();
    await widget(page).window().getByRole('status').getByText('Thank you! We will get back to you.').waitFor();
    await page.close();
  });

  it('centres a readable column in fullscreen on a wide screen', async () => {
    const page = await openPage(env.widgetId, { width: 1600, height: 900 }, 'fullscreen.html');
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    const inner = page.locator('[data-parley] .log .inner');
    const box = await inner.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(720);
    // As much room on each side.
    expect(Math.abs((box?.x ?? 0) - (1600 - (box?.x ?? 0) - (box?.width ?? 0)))).toBeLessThan(20);
    const composer = await widget(page).composer().boundingBox();
    expect(composer?.x).toBeGreaterThanOrEqual(box?.x ?? 0);
    await page.close();
  });

  it('keeps 4.5:1 in the dark theme: the send button, quick replies and the focus ring, axe agreeing', async () => {
    const dark = await create({ name: 'Dark', title: 'Night owl', theme: { mode: 'dark', primaryColor: '#1f5fd1' } });
    const page = await openPage(dark);
    await widget(page).launcher().click();
    await widget(page).send('How much does it cost?');
    const chip = widget(page).log().locator('.chip').first();
    await chip.waitFor();
    await widget(page).composer().fill('and the hours?');
    const background = page.locator('[data-parley] .win');
    expect(await contrast(page.locator('[data-parley] .compose .send'), background)).toBeGreaterThanOrEqual(4.5);
    expect(await contrast(chip, background)).toBeGreaterThanOrEqual(4.5);
    expect(await axeViolations(page), 'dark theme').toEqual([]);
    await page.close();
  });

  it('isolates untranslated custom texts in an Arabic widget, so their punctuation stays where their script puts it', async () => {
    const arabic = await create({
      name: 'Arabic',
      language: 'ar',
      languages: ['ar'],
      title: 'Chat with Acme!',
      intro: 'Ask us anything (we answer fast).',
    });
    const page = await openPage(arabic);
    await page.locator('[data-parley] button.launcher').click();
    const heading = page.locator('[data-parley] header h2');
    await heading.waitFor();
    expect(await page.locator('[data-parley] .root').getAttribute('dir')).toBe('rtl');
    expect(await heading.evaluate((node) => node.matches(':dir(ltr)'))).toBe(true);
    expect(await page.locator('[data-parley] .intro').evaluate((node) => node.matches(':dir(ltr)'))).toBe(true);
    await page.close();
  });

  it('toggles the maximize button between "Maximize" and "Restore size", with its icon; the chevron closes and says so', async () => {
    const page = await openPage(env.widgetId);
    await widget(page).launcher().click();
    const win = widget(page).window();
    // The window opens, grows and shrinks with a transition: measure it when its animations are over.
    const settledWidth = async () => {
      await win.evaluate((node) => Promise.all(node.getAnimations({ subtree: true }).map((animation) => animation.finished)));
      return (await win.boundingBox())?.width ?? 0;
    };
    const narrow = await settledWidth();
    const maximize = win.getByRole('button', { name: 'Maximize' });
    const icon = () => page.locator('[data-parley] .max-btn path').getAttribute('d');
    const before = await icon();
    await maximize.click();
    const restore = win.getByRole('button', { name: 'Restore size' });
    await restore.waitFor();
    expect(await icon()).not.toBe(before);
    expect(await settledWidth()).toBeGreaterThan(narrow);
    await restore.click();
    await maximize.waitFor();
    expect(await settledWidth()).toBe(narrow);
    await win.locator('header').getByRole('button', { name: 'Close chat' }).click();
    await win.waitFor({ state: 'detached' });
    await page.close();
  });

  it("signs the greeting with the bot's name, as its replies, before and after the conversation starts (375 px)", async () => {
    const page = await openPage(await create({ name: 'Greeting', title: 'Acme help' }), { width: 375, height: 700 });
    const botName = String((await env.admin('GET', `/v1/bots/${String(demoBot)}`))['name']);
    await widget(page).launcher().click();
    const senders = page.locator('[data-parley] .row .name > span[dir="auto"]');
    expect(await senders.first().innerText()).toBe(botName);
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    // One sender in the whole conversation: the greeting's, then the reply's run (same bot, same name).
    expect(new Set(await senders.allInnerTexts())).toEqual(new Set([botName]));
    await page.close();
  });

  it('mounts a widget for each <script data-parley-widget> tag on the page', async () => {
    const second = await create({ name: 'Second', title: 'Second desk', theme: { position: 'bottom-left' } });
    env.fill.set('WIDGET2', second);
    const page = await openPage(env.widgetId, { width: 1280, height: 800 }, 'two-script-tags.html');
    const hosts = page.locator('[data-parley]');
    await expect.poll(() => hosts.count()).toBe(2);
    const launchers = page.locator('[data-parley] button.launcher');
    await launchers.nth(1).waitFor();
    for (const index of [0, 1]) await launchers.nth(index).click();
    await page.getByRole('dialog', { name: 'Second desk' }).waitFor();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(2);
    await page.close();
  });

  it('says why the composer waits with contactCollection "before" and required, and leads to the form', async () => {
    const page = await openPage(
      await create({ name: 'Contact first', contactCollection: { when: 'before', required: true, fields: ['email'] } }),
    );
    await widget(page).launcher().click();
    const hint = page.getByRole('button', { name: 'Please fill in the form above to start the chat.' });
    const email = widget(page).window().getByRole('form', { name: 'How can we reach you?' }).getByLabel('Email');
    // The form is drawn by the rich extra, a lazy import: on a loaded machine the hint shows before it does.
    await email.waitFor();
    await hint.click();
    await expect.poll(() => email.evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await email.fill('ada@example.com');
    await email.press('Enter');
    await widget(page).composer().waitFor();
    await page.close();
  });

  it('puts the contact form of contactCollection "during" after the latest message, in view', async () => {
    const page = await openPage(
      await create({ name: 'Contact during', contactCollection: { when: 'during', required: false, fields: ['email'] } }),
    );
    await widget(page).launcher().click();
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    const form = widget(page).window().getByRole('form', { name: 'How can we reach you?' });
    await form.waitFor();
    const last = widget(page).log().getByText('Ask me about pricing');
    expect((await form.boundingBox())?.y).toBeGreaterThan((await last.boundingBox())?.y ?? Infinity);
    expect(await inside(form, widget(page).log())).toBe(true);
    await page.close();
  });
});
