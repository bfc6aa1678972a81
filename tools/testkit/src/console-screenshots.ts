// `npm run screenshots`: starts the built server on a fresh data directory, seeds it, and writes
// every console page at 1280 px and 375 px wide to ./screenshots/<page>-<width>.png.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser } from './browser.js';
import { consolePages, DEMO_ADMIN, loginThroughForm, seedConsoleDemo } from './console-demo.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 375, height: 812 },
] as const;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function main(): Promise<void> {
  const out = join(ROOT, 'screenshots');
  mkdirSync(out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-shots-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js')], {
    env: {
      ...process.env,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PORT: String(port),
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_ADMIN_EMAIL: DEMO_ADMIN.email,
      PARLEY_ADMIN_PASSWORD: DEMO_ADMIN.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('API reference:')) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
  const browser = await launchBrowser();
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const demo = await seedConsoleDemo(baseUrl);
    let count = 0;
    for (const viewport of WIDTHS) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/`);
      await page.getByLabel('Email').waitFor();
      await page.screenshot({ path: join(out, `login-${viewport.width}.png`) });
      count++;
      await loginThroughForm(page, demo);
      for (const target of consolePages(demo)) {
        await page.goto(`${baseUrl}${target.path}`);
        // A page whose data never shows is still pictured (that is what to look at), with a warning.
        await page
          .getByText(target.ready, { exact: false })
          .first()
          .waitFor({ timeout: 8_000 })
          .catch(() => process.stderr.write(`warning: ${target.name} at ${viewport.width} px never showed "${target.ready}"\n`));
        await page.waitForTimeout(400); // Let lists that load in a second request settle before the picture.
        // Admin pages scroll inside the app's main column: grow the window to the content, so the picture shows all of it.
        // A string: this package has no DOM types, and the expression runs in the page.
        const height = Number(
          await page.evaluate(
            "(() => { const m = document.querySelector('#main'); return m ? m.scrollHeight + m.getBoundingClientRect().top : 0; })()",
          ),
        );
        const tall = !target.name.startsWith('inbox') && target.name !== 'conversation';
        if (tall)
          await page.setViewportSize({ width: viewport.width, height: Math.min(6000, Math.max(viewport.height, Math.ceil(height))) });
        await page.screenshot({ path: join(out, `${target.name}-${viewport.width}.png`) });
        if (tall) await page.setViewportSize(viewport);
        count++;
      }
      await context.close();
    }
    process.stdout.write(`screenshots: ${count} pages written to ${out}\n`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
