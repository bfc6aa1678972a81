import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  axeViolations,
  CONSOLE_ADMIN_ENV,
  DEMO_ADMIN,
  launchBrowser,
  openConsole,
  SERVER_MAIN,
  startFreshServer,
  type FreshServer,
} from '@parley/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSOLE_BUILD = resolve(import.meta.dirname, '../packages/console/dist-browser/index.html');
/** Pictures of the pages, to look at (PARLEY_SCREENSHOTS=dir): 1280 and 375 px, light and dark. */
const SHOTS = process.env['PARLEY_SCREENSHOTS'];

async function shoot(page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
      await page.screenshot({ path: resolve(SHOTS, `${name}-${width}-${scheme}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

// Real Chromium against the built server: an admin adds an endpoint, sends a test event, sees the attempt, replays it.
describe('webhooks in the console (issue 17)', { timeout: 120_000 }, () => {
  let server: FreshServer;
  let browser: Browser;
  let receiver: Server;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    expect(existsSync(SERVER_MAIN) && existsSync(CONSOLE_BUILD), 'run `npm run build` first').toBe(true);
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks from the CRM');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    [server, browser] = await Promise.all([
      startFreshServer({ ...CONSOLE_ADMIN_ENV, PARLEY_WEBHOOKS_ALLOW_PRIVATE: '1' }),
      launchBrowser(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((done) => receiver?.close(done));
  });

  it('adds an endpoint (secret shown once), sends a test event, shows its attempt and replays it with the same webhook-id', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm`;
    const admin = await openConsole(browser, { baseUrl: server.url, adminEmail: DEMO_ADMIN.email, adminPassword: DEMO_ADMIN.password });
    await admin.getByRole('link', { name: 'Webhooks' }).click();
    await admin.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await admin.getByText('No webhook endpoint yet.').waitFor();
    expect(await axeViolations(admin), 'empty webhooks page').toEqual([]);

    await admin.getByLabel('Endpoint URL').fill(url);
    await admin.getByLabel('Rating given').check();
    await admin.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = admin.getByTestId('webhook-secret');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);
    await admin.getByRole('link', { name: url }).first().waitFor();
    expect(await axeViolations(admin), 'secret shown').toEqual([]);
    await shoot(admin, 'console-webhooks');

    await admin.getByRole('link', { name: `Open ${url}` }).click();
    await admin.getByRole('heading', { name: url }).waitFor();
    await admin.getByText('No delivery yet: send a test event.').waitFor();
    await admin.getByRole('button', { name: 'Send test event' }).click();
    const deliveries = admin.getByRole('table', { name: 'Deliveries' });
    await deliveries.getByRole('row').nth(1).waitFor();
    // The worker sends it at once; Refresh until the log says so (each click reads the log again).
    for (let i = 0; i < 100 && !(await deliveries.getByText('delivered (HTTP 200)').isVisible()); i++) {
      await admin.getByRole('button', { name: 'Refresh' }).click();
      await admin.waitForTimeout(200);
    }
    await deliveries.getByText('delivered (HTTP 200)').waitFor();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({ type: 'webhook.test' });

    await deliveries.getByRole('button', { name: 'webhook.test', exact: true }).click();
    const detail = admin.getByRole('region', { name: 'Delivery' });
    await detail.getByText(/HTTP 200 in \d+ ms/).waitFor();
    await detail.getByText('thanks from the CRM').waitFor();
    expect(await axeViolations(admin), 'delivery detail').toEqual([]);
    await shoot(admin, 'console-webhook-detail');

    await deliveries.getByRole('button', { name: /^Replay webhook.test/ }).click();
    // The replay's own row: its badge (the Replay buttons' text differs only in case).
    await deliveries.getByText('replay', { exact: true }).waitFor();
    for (let i = 0; i < 100 && received.length < 2; i++) await admin.waitForTimeout(100);
    expect(received).toHaveLength(2);
    expect(received[1]?.headers['webhook-id']).toBe(received[0]?.headers['webhook-id']);
    expect(received[1]?.body).toBe(received[0]?.body);
  });
});
