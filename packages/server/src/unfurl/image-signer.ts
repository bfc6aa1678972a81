import { createHmac } from 'node:crypto';
import { sameSecret } from '../auth/api-keys.js';

/**
 * Signs the addresses of preview pictures, so the image proxy serves only pictures this server
 * picked from a page it previewed, not any URL a caller makes up. The key is derived from the server
 * secret (as the session-token key is), so the secret itself never signs anything and rotating
 * PARLEY_SECRET retires every signed address.
 */
export class ImageSigner {
  private readonly key: Buffer;

  constructor(
    serverSecret: string,
    private readonly publicUrl: string,
  ) {
    this.key = createHmac('sha256', serverSecret).update('parley/unfurl-image/v1').digest();
  }

  /** The proxy address of a picture: `/v1/unfurl/image?u=<picture>&s=<signature>` on this server. */
  url(imageUrl: string): string {
    return `${this.publicUrl}/v1/unfurl/image?u=${encodeURIComponent(imageUrl)}&s=${this.sign(imageUrl)}`;
  }

  verify(imageUrl: string, signature: string): boolean {
    return sameSecret(signature, this.sign(imageUrl));
  }

  private sign(imageUrl: string): string {
    return createHmac('sha256', this.key).update(imageUrl).digest('base64url');
  }
}
