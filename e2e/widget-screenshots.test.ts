import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  launchBrowser,
  NO_VOLUME_LIMITS,
  shootWidgetStates,
  startWidgetEnv,
  WIDGET_STATES_BROWSER_ARGS,
  type WidgetEnv,
} from '@parley/testkit';

/** Where the pictures go: PARLEY_SHOTS_DIR to keep them, else a temporary directory removed afterwards. */
const KEEP = process.env['PARLEY_SHOTS_DIR'];

/** The states the widget issue asks pictures of, each at desktop and phone width. */
const ASKED = [
  'closed',
  'teaser',
  'open-empty',
  'open-conversation',
  'streaming',
  'carousel',
  'form',
  'upload-progress',
  'upload-done',
  'offline',
  'restart-dialog',
  'rtl-arabic',
  'dark',
  'inline',
];

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion. The asked states
// are pictured at both widths, every other state at the phone's only (each state's way there is what can break; its
// looks are checked by its own e2e test): all of them at both widths took 500 s of CI's 25 minutes.
describe('screenshots of the widget in each state', () => {
  let env: WidgetEnv;
  let browser: Browser;
  const out = KEEP ?? mkdtempSync(join(tmpdir(), 'parley-widget-shots-'));
  beforeAll(async () => {
    // A hundred sessions from one address in a minute or two, two at a time: past the 40 a minute a visitor's address may open.
    [env, browser] = await Promise.all([startWidgetEnv(NO_VOLUME_LIMITS), launchBrowser(WIDGET_STATES_BROWSER_ARGS)]);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    if (KEEP === undefined) rmSync(out, { recursive: true, force: true });
  });

  // 382 s in a clean-clone CI at a load of 20+ before the nine call states (each a console login and a live call) joined.
  it('writes a picture of every state (the asked ones at 1280 and 375 px wide), each with something in it (what `npm run screenshots` writes)', async () => {
    const shots = await shootWidgetStates(env, browser, out, undefined, (state) => (ASKED.includes(state) ? [1280, 375] : [375]));
    const written = shots.map((shot) => `${shot.state}-${shot.width}`);
    for (const state of ASKED) expect(written).toEqual(expect.arrayContaining([`${state}-1280`, `${state}-375`]));
    // Every other state was reached too (at 375 px).
    expect(shots.length).toBeGreaterThan(ASKED.length * 2 + 30);
    // An empty or blank page compresses to a few hundred bytes; a pictured widget is tens of kilobytes.
    for (const shot of shots) expect(statSync(shot.file).size, shot.file).toBeGreaterThan(10_000);
  }, 900_000);
});
