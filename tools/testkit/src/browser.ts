import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; browser downloads cannot reach their hosts here, so never `npx playwright install`. */
const CHROMIUM_PATH = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Real headless Chromium for browser tests and screenshots. Close it in `afterAll`. `extraArgs` adds switches
 * (say `--host-resolver-rules=MAP parley.test 127.0.0.1`, for a page on a plain-http origin that is not localhost).
 */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page (including open shadow roots, which axe walks by itself) and returns
 * its violations in a short form that reads well in a failing assertion.
 *
 * It judges the settled look: the page is switched to reduced motion first, which ends the widget's
 * opening animation, because a window caught fading in (opacity below 1) reads as low contrast. The
 * page stays so (switching back would play the animation again); the a11y suites open their pages so.
 */
export async function axeViolations(page: Page, context?: string): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async (selector) => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }
    const axe = (globalThis as unknown as { axe: { run(context: unknown): Promise<AxeResult> } }).axe;
    const result = await axe.run(selector ?? (globalThis as unknown as { document: unknown }).document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  }, context);
}
