import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '@parley/testkit';
import { auditPage, installPwnedHook, markdownVisible, plain, watchPage } from './hostile/dom-audit.js';

// The hostile-input suite's own detector, shown to fire: a page where a payload did get through.
describe('the hostile-input audit', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reports injected elements and attributes inside shadow roots, __pwned calls and dialogs', async () => {
    const context = await browser.newContext();
    await installPwnedHook(context);
    const page = await context.newPage();
    const events: string[] = [];
    watchPage(page, events);
    await page.setContent('<div id="host"></div><p>plain text</p>');
    await page.evaluate(() => {
      const root = document.getElementById('host')?.attachShadow({ mode: 'open' });
      if (root === undefined) throw new Error('no host');
      root.innerHTML =
        '<style>p{}</style><div><p>ok</p><img src="x" onerror="__pwned(\'img\')"><a href=" java\tscript:__pwned(1)">x</a>' +
        '<style>*{}</style><marquee>m</marquee><script>__pwned("inline")</script><input placeholder="ph"></div>';
      const inner = root.querySelector('div')?.attachShadow({ mode: 'open' });
      if (inner !== undefined) inner.innerHTML = '<iframe srcdoc="x"></iframe><slot></slot>';
    });
    await page.evaluate(() => alert('hi'));
    await expect.poll(() => page.evaluate(() => (window as unknown as { __pwnedCalls: string[] }).__pwnedCalls.length)).toBe(1);
    const audit = await auditPage(page, [new URL(page.url()).origin]);
    expect(audit.pwned).toEqual(['img']);
    expect(events).toEqual(['a dialog opened: alert: hi']);
    const problems = audit.problems.join('\n');
    for (const expected of [
      'handler <img',
      'url <a',
      'misplaced <style',
      'tag <marquee',
      'script <script',
      'tag <iframe',
      'srcdoc <iframe',
      'tag <slot',
    ]) {
      expect(problems).toContain(expected);
    }
    // A shadow root's own top-level style is the widget's stylesheet, not a finding.
    expect(audit.problems.filter((problem) => problem.startsWith('misplaced'))).toHaveLength(1);
    expect(plain(audit.text)).toContain('plaintext');
    expect(plain(audit.text)).toContain('ph');
    await context.close();
  });

  it('compares texts without whitespace, lone surrogates as U+FFFD, and Markdown without the marks it consumes', () => {
    expect(plain(' a \n b\ud800 ')).toBe('ab\ufffd');
    expect(markdownVisible('**bold** `code` [link](https://x)')).toBe(markdownVisible('bold code link https://x'));
  });
});
