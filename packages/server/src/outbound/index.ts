// Outbound HTTP: every request the server makes (bots, their tools and token endpoints, the translator,
// link previews) goes through here, under one policy: address rules, redirects, DNS pinning, size and time bounds.
export { isPublicAddress } from './address-policy.js';
export { OutboundError, type OutboundFailure } from './outbound-error.js';
export { outboundPost, type OutboundPost } from './post.js';
export { safeFetch, type FetchPolicy, type FetchRequest, type Fetched } from './safe-fetch.js';
export { checkUrl, targetPolicy, type Resolve } from './target-check.js';
