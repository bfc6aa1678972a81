// Types of widget-size.js for the TypeScript tests that read the same budgets and sizes (e2e/widget-size.test.ts).

export interface BundleSizes {
  readonly minBytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

/** Brotli budgets in bytes (DESIGN.md, Budgets), the one place they are written. */
export declare const WIDGET_BUDGETS: Readonly<{ loader: number; core: number }>;

/** The built widget's loader and core as shipped; throws when there is no build (`npm run build`). */
export declare function widgetBundleSizes(): { readonly loader: BundleSizes; readonly core: BundleSizes };

export declare function runWidgetSizeBench(): unknown;
