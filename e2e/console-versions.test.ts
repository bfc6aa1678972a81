import { mkdirSync, readFileSync } from 'node:fs';
import {
  axeViolations,
  CONSOLE_ADMIN_ENV,
  openConsole,
  startConsoleE2e,
  type ConsoleDemo,
  type ConsoleE2e,
  type FreshServer,
} from '@parley/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Pictures of each state, to look at by hand when the states change (PARLEY_SCREENSHOTS=dir), as in the other e2e files. */
const SHOTS = process.env['PARLEY_SCREENSHOTS'];

/** Axe at 1280 and 375 px, light and dark, with a screenshot of each when SHOTS is set. */
async function auditEveryWay(page: Page, state: string, shown?: Locator): Promise<void> {
  for (const width of [1280, 375]) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(page), `${state} at ${width} px, ${scheme}`).toEqual([]);
      if (SHOTS === undefined) continue;
      await shown?.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/${state}-${width}-${scheme}.png`, fullPage: false });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
}

// Real Chromium against the built server with review before publish; never a timed assertion.
describe('console: widget configuration versions (draft, preview link, diff, publish, roll back)', { timeout: 300_000 }, () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let page: Page;
  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    if (SHOTS !== undefined) mkdirSync(SHOTS, { recursive: true });
    ({ server, browser, demo } = e2e = await startConsoleE2e({ ...CONSOLE_ADMIN_ENV, PARLEY_REVIEW_BEFORE_PUBLISH: '1' }));
    page = await openConsole(browser, demo);
  }, 120_000);
  afterAll(() => e2e?.close());

  /** What visitors get: the public config. */
  const publicTitle = async () => {
    const response = await fetch(`${server.url}/v1/widgets/${demo.widgetId}/config`);
    expect(response.status).toBe(200);
    const title = ((await response.json()) as { strings: { title: string } }).strings.title;
    expect(typeof title).toBe('string');
    return title;
  };

  it('edit → draft badge → preview link → diff → publish → roll back, visitors following only the published version', async () => {
    const before = await publicTitle();
    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    const title = page.getByLabel('Title', { exact: true });
    await title.waitFor();
    await title.fill('Reviewed title');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved to the draft. Visitors keep version').waitFor();
    const draftBar = page.getByRole('region', { name: /Draft\s+Not published yet/ });
    await draftBar.waitFor();
    // The editor shows the draft's value after saving (not the published one), and visitors still get the old title.
    await expect.poll(() => title.inputValue()).toBe('Reviewed title');
    expect(await publicTitle()).toBe(before);
    // A reload keeps showing the draft.
    await page.reload();
    await draftBar.waitFor();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Reviewed title');
    await auditEveryWay(page, '1-draft');

    // Preview link: a fresh page with no login shows the widget with the draft.
    await page.getByRole('button', { name: 'Share preview link' }).click();
    const link = page.getByLabel(/Preview link \(valid until/);
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(/\/preview\/.+\?e=\d+&s=/);
    const stranger = await browser.newContext();
    try {
      const preview = await stranger.newPage();
      await preview.goto(url);
      await preview.frameLocator('iframe').getByText('Reviewed title').first().waitFor({ timeout: 60_000 });
      if (SHOTS !== undefined) await preview.screenshot({ path: `${SHOTS}/2-preview-link.png` });
    } finally {
      await stranger.close();
    }

    // The diff names the field with the editor's label, old and new.
    await page.getByRole('button', { name: 'Compare draft with published' }).click();
    const diff = page.getByRole('region', { name: /→ draft/ });
    const row = diff.getByRole('row', { name: /^Title/ });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toContain('Reviewed title');
    await auditEveryWay(page, '3-diff', diff);

    // Publish with a message: visitors get the draft.
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish the draft' });
    await dialog.getByLabel('What changed (optional)').fill('New title for the spring');
    await auditEveryWay(page, '4-publish-dialog');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText(/Published as version \d+\. Visitors get it now\./).waitFor();
    await expect(draftBar.count()).resolves.toBe(0);
    await expect.poll(publicTitle).toBe('Reviewed title');

    // History: the published version with its message; roll back to the one before.
    const history = page.getByRole('region', { name: 'History' });
    const versions = history.getByRole('list', { name: 'Versions, newest first' }).getByRole('listitem');
    await versions.first().getByText('New title for the spring').waitFor();
    await versions.first().getByText('Published', { exact: true }).waitFor();
    const published = Number((await versions.first().locator('.version-number').textContent())?.replace(/\D/g, ''));
    const previous = versions.nth(1);
    await previous.getByRole('button', { name: 'Compare with published' }).click();
    await history
      .getByRole('region', { name: new RegExp(`→ version ${published - 1}`) })
      .getByRole('row', { name: /^Title/ })
      .waitFor();
    await previous.getByRole('button', { name: 'Roll back to this version' }).click();
    const confirm = page.getByRole('dialog', { name: `Roll back to version ${published - 1}?` });
    // Focus starts on Cancel: Enter on a dialog opened by mistake changes nothing.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await auditEveryWay(page, '5-rollback-dialog');
    await confirm.getByRole('button', { name: 'Roll back' }).click();
    await page.getByText(new RegExp(`Rolled back: version ${published + 1} is a copy of version ${published - 1}`)).waitFor();
    await expect.poll(publicTitle).toBe(before);
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe(before);
    await auditEveryWay(page, '6-rolled-back', history);
  });

  it('says a failure in words: discarding a draft that is gone already', async () => {
    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    const title = page.getByLabel('Title', { exact: true });
    await title.fill('Second draft');
    // The live preview follows the field (a new widget mounted in its frame) without taking the keyboard from it.
    await page.frameLocator('iframe.preview-frame').getByText('Second draft').first().waitFor();
    expect(await title.evaluate((field) => field === document.activeElement)).toBe(true);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved to the draft.').waitFor();
    // Someone else discards it meanwhile (over the API).
    const gone = await page.request.delete(`${server.url}/v1/widgets/${demo.widgetId}/draft`, {
      headers: { 'content-type': 'application/json' },
      data: {},
    });
    expect(gone.status()).toBe(204);
    await page.getByRole('button', { name: 'Discard draft' }).click();
    const dialog = page.getByRole('dialog', { name: 'Discard the draft?' });
    await dialog.getByRole('button', { name: 'Discard draft' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/draft/i);
    expect(await alert.textContent()).not.toMatch(/^PARLEY_ERR_/);
    // The live preview remounted its widget for the discarded draft: it must not have taken the keyboard.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('IFRAME');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0);
  });
});

// Without review before publish a draft still exists when it was written over the API (PUT /draft), an import or a
// promote. Save must write that draft, not PATCH the published version (which published without the draft's changes).
describe('console: Save with a draft present and review before publish off', { timeout: 300_000 }, () => {
  let server: FreshServer;
  let browser: Browser;
  let demo: ConsoleDemo;
  let page: Page;
  let e2e: ConsoleE2e | undefined;

  beforeAll(async () => {
    ({ server, browser, demo } = e2e = await startConsoleE2e());
    page = await openConsole(browser, demo);
  }, 120_000);
  afterAll(() => e2e?.close());

  it('saves into the draft, keeping the draft’s other changes, and visitors keep the published version', async () => {
    const widgetUrl = `${server.url}/v1/widgets/${demo.widgetId}`;
    const json = { 'content-type': 'application/json' };
    const published = (await (await page.request.get(`${widgetUrl}/export`)).json()) as { widget: Record<string, unknown> };
    const before = (await (await fetch(`${widgetUrl}/config`)).json()) as { strings: { title: string } };
    const put = await page.request.put(`${widgetUrl}/draft`, {
      headers: json,
      data: { ...published.widget, title: 'Title from the draft' },
    });
    expect(put.status()).toBe(200);

    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    await page.getByRole('region', { name: /Draft\s+Not published yet/ }).waitFor();
    const title = page.getByLabel('Title', { exact: true });
    await expect.poll(() => title.inputValue()).toBe('Title from the draft');
    await page.getByLabel('Placeholder', { exact: true }).fill('Ask the draft');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved to the draft. Visitors keep version').waitFor();

    const draft = (await (await page.request.get(`${widgetUrl}/draft`)).json()) as { document: Record<string, unknown> };
    expect(draft.document).toMatchObject({ title: 'Title from the draft', placeholder: 'Ask the draft' });
    const after = (await (await fetch(`${widgetUrl}/config`)).json()) as { strings: { title: string } };
    expect(after.strings.title).toBe(before.strings.title);
    await expect.poll(() => title.inputValue()).toBe('Title from the draft');
    expect(await axeViolations(page), 'saved to the draft').toEqual([]);
  });

  it('exports the configuration as a file, promotes from another widget after showing the changes, imports a file on the list', async () => {
    const widgetUrl = `${server.url}/v1/widgets/${demo.widgetId}`;
    const json = { 'content-type': 'application/json' };
    const visitorsTitle = async () => ((await (await fetch(`${widgetUrl}/config`)).json()) as { strings: { title: string } }).strings.title;
    // The previous test's draft goes, so that a promotion publishes (review before publish is off here).
    await page.request.delete(`${widgetUrl}/draft`, { headers: json, data: {} });
    const before = await visitorsTitle();
    const staging = await page.request.post(`${server.url}/v1/widgets`, {
      headers: json,
      data: { name: 'Staging', title: 'Title from staging' },
    });
    expect(staging.status()).toBe(201);

    await page.goto(`${server.url}/console/widgets/${demo.widgetId}`);
    const card = page.getByRole('region', { name: 'Configuration file and environments' });
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Export as JSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^parley-widget-[a-z0-9-]+\.json$/);
    const file = await download.path();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'parley.widget/1', id: demo.widgetId });

    await card.getByLabel('Take the configuration of').selectOption({ label: 'Staging (version 1)' });
    await card.getByRole('button', { name: 'Show changes' }).click();
    const changes = card.getByRole('region', { name: /changes? from Staging version 1/ });
    await changes.getByRole('row', { name: /^Title/ }).waitFor();
    expect(await visitorsTitle(), 'a dry run changes nothing').toBe(before);
    await auditEveryWay(page, '7-promote-changes', changes);
    await changes.getByRole('button', { name: 'Promote' }).click();
    await card.getByText(/^Promoted: version \d+ is published/).waitFor();
    expect(await visitorsTitle()).toBe('Title from staging');
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue(), { timeout: 10_000 }).toBe('Title from staging');

    // The exported file names this widget: importing it on the list puts its title back, after showing the change.
    await page.goto(`${server.url}/console/widgets`);
    const importCard = page.getByRole('region', { name: 'Import a widget' });
    await importCard.getByLabel('Document file').setInputFiles(file);
    const preview = importCard.getByRole('region', { name: /^Updates the widget/ });
    await preview.getByRole('row', { name: /^Title/ }).waitFor();
    await auditEveryWay(page, '8-import-preview', preview);
    await preview.getByRole('button', { name: 'Apply changes' }).click();
    await importCard.getByText('Applied.').waitFor();
    expect(await visitorsTitle()).toBe(before);
    await importCard
      .getByLabel('Document file')
      .setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
    await importCard.getByRole('alert').getByText('notes.json is not a JSON file', { exact: false }).waitFor();
  });
});
