// Link previews ("unfurl"): pages and their pictures fetched by the server, never by visitors' browsers.
export { ImageSigner } from './image-signer.js';
export { Unfurler, type ProxiedImage, type UnfurlerOptions } from './unfurler.js';
export type { PagePreview } from './page-preview.js';
// Their address rules, redirects and size bounds are the outbound module's (../outbound/), shared by every server-side request.
