import { describe, expect, it } from 'vitest';
import { WIDGET_BUDGETS, widgetBundleSizes } from '../bench/widget-size.js';

/**
 * The budgets of the widget as shipped (the minified browser build, as `npm run bench` measures it, with the same
 * numbers from bench/widget-size.js): a change that takes the core past its budget fails here, not only in a bench
 * nobody runs. New visitor-side capabilities belong in lazy extras.
 */
describe('the widget as shipped', () => {
  const { loader, core } = widgetBundleSizes();

  it('keeps the core (everything needed to show the bubble and chat) within its brotli budget', () => {
    // A real build is measured: the core holds Preact, the client and the UI.
    expect(core.brotliBytes).toBeGreaterThan(10_000);
    expect(core.brotliBytes, `core: ${core.brotliBytes} B brotli, budget ${WIDGET_BUDGETS.core} B`).toBeLessThanOrEqual(
      WIDGET_BUDGETS.core,
    );
  });

  it('keeps the loader (widget.js, on every page of the site) within its brotli budget', () => {
    expect(loader.brotliBytes).toBeGreaterThan(0);
    expect(loader.brotliBytes, `loader: ${loader.brotliBytes} B brotli, budget ${WIDGET_BUDGETS.loader} B`).toBeLessThanOrEqual(
      WIDGET_BUDGETS.loader,
    );
  });
});
