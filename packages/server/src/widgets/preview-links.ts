import { createHmac } from 'node:crypto';
import { sameSecret } from '../auth/api-keys.js';

export type PreviewCheck = 'ok' | 'invalid' | 'expired';

/**
 * Signed, expiring links to a widget's preview page (`/preview/{widgetId}?e=<expiry>&s=<signature>`), shown with the
 * widget's draft. The signature covers the widget id and the expiry, with a key derived from the server secret (as
 * the image signer's and session tokens' are), so a changed id or expiry no longer verifies and rotating
 * PARLEY_SECRET retires every link. Nothing is stored: a link cannot be revoked before it expires.
 */
export class PreviewLinks {
  private readonly key: Buffer;

  constructor(
    serverSecret: string,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', serverSecret).update('parley/widget-preview/v1').digest();
  }

  /** A link valid for at least `ttlSeconds` from now (rounded up to the next whole second, as the link says it). */
  create(widgetId: string, ttlSeconds: number): { url: string; expiresAt: string } {
    const expires = Math.ceil(this.now() / 1000) + ttlSeconds;
    const url = `${this.publicUrl}/preview/${encodeURIComponent(widgetId)}?e=${expires}&s=${this.sign(widgetId, String(expires))}`;
    return { url, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** The signature first: a changed expiry is a tampered link, not an expired one. */
  check(widgetId: string, expires: unknown, signature: unknown): PreviewCheck {
    if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) return 'invalid';
    if (!sameSecret(signature, this.sign(widgetId, expires))) return 'invalid';
    return Number(expires) * 1000 < this.now() ? 'expired' : 'ok';
  }

  private sign(widgetId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${widgetId}.${expires}`).digest('base64url');
  }
}
