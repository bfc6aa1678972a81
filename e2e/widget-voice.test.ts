import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

/**
 * Speech is the browser's: the page gets a stand-in recognizer that "hears" one sentence, and a
 * speechSynthesis whose utterances are recorded, so the widget's wiring is what is tested.
 */
function fakeSpeech(): void {
  const scope = window as unknown as Record<string, unknown>;
  scope['spoken'] = [];
  // Both names: recent Chromium has the unprefixed one too.
  scope['SpeechRecognition'] = scope['webkitSpeechRecognition'] = class {
    lang = '';
    interimResults = false;
    onresult: ((event: unknown) => void) | null = null;
    onend: (() => void) | null = null;
    start(): void {
      setTimeout(() => {
        this.onresult?.({ results: [[{ transcript: 'what are your hours' }]] });
        this.onend?.();
      }, 50);
    }
    stop(): void {
      this.onend?.();
    }
  };
  Object.defineProperty(window, 'speechSynthesis', {
    value: { speak: (utterance: { text: string }) => (scope['spoken'] as string[]).push(utterance.text), cancel: () => undefined },
  });
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('voice in and out', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    const demo = await env.admin('GET', `/v1/widgets/${env.widgetId}`);
    const voice = await env.admin('POST', '/v1/widgets', { name: 'Voice', botId: demo['botId'], voiceIn: true, voiceOut: true });
    env.fill.set('WIDGET', voice.id);
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('fills the text box from speech and reads replies aloud', async () => {
    const page = await browser.newPage();
    await page.addInitScript(fakeSpeech);
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await page.getByRole('button', { name: 'Start voice input' }).click();
    await expect.poll(() => widget(page).composer().inputValue()).toBe('what are your hours');
    await widget(page).composer().press('Enter');
    await widget(page).log().getByText('Monday to Friday').waitFor();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { spoken: string[] }).spoken))
      .toContain('Our team answers Monday to Friday, 9:00–17:00.');
    await page.close();
  });

  it('hides the microphone where the browser has no speech recognition', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      delete (window as unknown as Record<string, unknown>)['webkitSpeechRecognition'];
      delete (window as unknown as Record<string, unknown>)['SpeechRecognition'];
    });
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).composer().waitFor();
    await expect(page.getByRole('button', { name: 'Start voice input' }).count()).resolves.toBe(0);
    await page.close();
  });
});
