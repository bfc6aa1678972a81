import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations, launchBrowser } from './browser.js';

describe('browser test kit', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser.close());

  it('finds an axe violation in a page that has one and none in a clean page', async () => {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html lang="en"><head><title>t</title></head><body><main><button></button></main></body></html>');
    expect((await axeViolations(page)).map((v) => v.id)).toContain('button-name');
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Page</h1><button>Chat</button></main></body></html>',
    );
    expect(await axeViolations(page)).toEqual([]);
  });
});
