// Link previews ("unfurl"): pages and their pictures fetched by the server, never by visitors' browsers.
export { ImageSigner } from './image-signer.js';
export { Unfurler, type ProxiedImage, type UnfurlerOptions } from './unfurler.js';
export type { PagePreview } from './page-preview.js';
export { UnfurlError, type UnfurlFailure } from './unfurl-error.js';
export type { Resolve } from './target-check.js';
