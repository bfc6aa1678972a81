import { sniffType } from '../files/sniff-type.js';
import { ExpiringCache } from './expiring-cache.js';
import { decodeHtml } from './html-text.js';
import { readPageMeta } from './page-meta.js';
import { toPagePreview, type PagePreview } from './page-preview.js';
import { checkUrl, OutboundError, safeFetch, targetPolicy, type FetchPolicy, type Resolve } from '../outbound/index.js';

export interface UnfurlerOptions {
  /** PARLEY_UNFURL_ALLOW_PRIVATE: private, loopback and link-local addresses and any port. */
  readonly allowPrivate: boolean;
  /** For each fetch as a whole (page or picture); default 5 s. */
  readonly timeoutMs?: number;
  /** DNS; tests answer for names of their own. */
  readonly resolve?: Resolve;
  readonly now?: () => number;
}

export interface ProxiedImage {
  readonly mimeType: string;
  readonly bytes: Buffer;
}

const MINUTE = 60_000;
/** Pages change rarely and a preview is a courtesy: a day is fresh enough. */
const PREVIEW_TTL_MS = 24 * 60 * MINUTE;
/** A failure may be passing (a slow or briefly broken site): asked again after ten minutes. */
const FAILURE_TTL_MS = 10 * MINUTE;
const HTML_BYTES = 512 * 1024;
const IMAGE_BYTES = 2 * 1024 * 1024;
const HTML_TYPES: ReadonlySet<string> = new Set(['text/html', 'application/xhtml+xml']);
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const USER_AGENT = 'Mozilla/5.0 (compatible; ParleyLinkPreview/1.0)';

type Outcome<T> = T | OutboundError;

/**
 * Link previews and their pictures, fetched by the server (safe-fetch.ts) and kept in memory per
 * node: successes for a day, failures for ten minutes, concurrent asks for one link sharing one
 * fetch. Memory rather than a database table on purpose: previews are cheap to make again, and on
 * SQLite every table write queues behind message commits on the one writer, which a chat's links
 * must never slow down. With many nodes each node fetches a link at most once a day.
 */
export class Unfurler {
  private readonly policy: FetchPolicy;
  private readonly pages: ExpiringCache<Outcome<PagePreview>>;
  private readonly images: ExpiringCache<Outcome<ProxiedImage>>;

  constructor(options: UnfurlerOptions) {
    this.policy = {
      ...targetPolicy(options.allowPrivate, options.resolve),
      timeoutMs: options.timeoutMs ?? 5000,
      maxRedirects: 3,
      userAgent: USER_AGENT,
    };
    this.pages = new ExpiringCache({ maxEntries: 5000 }, options.now);
    // 32 MiB of pictures at most: a browser caches what it showed, this saves the site from every new visitor.
    this.images = new ExpiringCache(
      { maxEntries: 2000, maxWeight: 32 * 1024 * 1024, weigh: (value) => (value instanceof OutboundError ? 0 : value.bytes.length) },
      options.now,
    );
  }

  /** The cache key of a link, or the error that refuses it before any fetch (bad scheme, port, credentials). */
  normalize(link: string): string {
    return checkUrl(link, this.policy).href;
  }

  /** True when a preview of this (normalized) link is held or on its way: answering it fetches nothing. */
  isKnown(key: string): boolean {
    return this.pages.has(key);
  }

  /** The preview of a normalized link; throws the OutboundError that explains why there is none. */
  async preview(key: string): Promise<PagePreview> {
    return settle(await this.pages.load(key, () => capture(() => this.fetchPreview(key)), ttl));
  }

  /** A picture named by a preview, checked to be what it claims by its first bytes. */
  async image(link: string): Promise<ProxiedImage> {
    const key = this.normalize(link);
    return settle(await this.images.load(key, () => capture(() => this.fetchImage(key)), ttl));
  }

  private async fetchPreview(key: string): Promise<PagePreview> {
    const fetched = await safeFetch(
      key,
      { accept: 'text/html,application/xhtml+xml;q=0.9', types: HTML_TYPES, maxBytes: HTML_BYTES, truncate: true },
      this.policy,
    );
    const preview = toPagePreview(readPageMeta(decodeHtml(fetched.body, fetched.charset)), new URL(key), fetched.url);
    if (preview === null) throw new OutboundError('unavailable', `${fetched.url.host} has no title to show.`);
    // A picture the proxy would refuse on sight (another port, credentials) is left out rather than shown broken.
    return preview.image === null || this.fetchable(preview.image.url) ? preview : { ...preview, image: null };
  }

  private fetchable(link: string): boolean {
    try {
      checkUrl(link, this.policy);
      return true;
    } catch {
      return false; // checkUrl's reason does not matter here: the card simply has no picture.
    }
  }

  private async fetchImage(key: string): Promise<ProxiedImage> {
    const fetched = await safeFetch(
      key,
      { accept: 'image/webp,image/png,image/jpeg,image/gif;q=0.9', types: IMAGE_TYPES, maxBytes: IMAGE_BYTES, truncate: false },
      this.policy,
    );
    // The declared type must match the bytes: SVG (script) and anything else pretending to be a picture stay out.
    const sniffed = sniffType(fetched.body);
    if (sniffed === undefined || !IMAGE_TYPES.has(sniffed)) {
      throw new OutboundError(
        'unavailable',
        `${fetched.url.host} sent ${fetched.mimeType}, but the bytes are not a PNG, JPEG, GIF or WebP picture.`,
      );
    }
    return { mimeType: sniffed, bytes: fetched.body };
  }
}

function ttl(outcome: Outcome<unknown>): number {
  return outcome instanceof OutboundError ? FAILURE_TTL_MS : PREVIEW_TTL_MS;
}

/** Failures we explain are results to cache; anything else is a bug and is not remembered. */
async function capture<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OutboundError) return error;
    throw error;
  }
}

function settle<T>(outcome: Outcome<T>): T {
  if (outcome instanceof OutboundError) throw outcome;
  return outcome;
}
