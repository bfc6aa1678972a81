import { createHmac, webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SessionClaims } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { Hs256Expired, verifyHs256 } from './hs256.js';

const ISSUER = 'parley';

/**
 * A verified token's claims with what the server alone reads: the consent record that admitted the session (`con`,
 * null when the widget asked none) and when the token was issued (`iat`, seconds). A withdrawal of that consent
 * refuses the token (privacy/consent.ts `sessionConversation`), although the token itself is stateless.
 */
export interface VerifiedSession extends SessionClaims {
  readonly consentId: string | null;
  readonly issuedAt: number;
  /**
   * The conversation link that minted the session (`lnk`, conversation-links/): its revocation refuses the token,
   * and the link's page (this server's own origin) may use it whatever the widget's origin allowlist. Null otherwise.
   */
  readonly linkId: string | null;
}
const AUDIENCE = 'parley:visitor';

/**
 * Visitor session tokens: HS256 JWTs with a key derived from the server secret (so the secret
 * itself never signs anything directly). Only HS256 is accepted, which also refuses `alg: none`.
 */
export class SessionTokens {
  /**
   * Signing key for jose, imported into WebCrypto once: given raw bytes, jose imports them on every call. Issuing is
   * rare (a new session); verifying is every connect, and runs on node:crypto with the raw key (auth/hs256.ts).
   */
  private readonly signingKey: Promise<webcrypto.CryptoKey>;
  private readonly rawKey: Buffer;

  constructor(serverSecret: string) {
    this.rawKey = createHmac('sha256', serverSecret).update('parley/session-token/v1').digest();
    this.signingKey = webcrypto.subtle.importKey('raw', this.rawKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }

  async issue(
    claims: Omit<SessionClaims, 'scope'>,
    expiresAt: Date,
    consentId: string | null = null,
    linkId: string | null = null,
  ): Promise<string> {
    return new SignJWT({
      wid: claims.wid,
      cid: claims.cid,
      scope: 'visitor',
      ...(consentId === null ? {} : { con: consentId }),
      ...(linkId === null ? {} : { lnk: linkId }),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.signingKey);
  }

  /** Synchronous underneath (an HMAC); a promise so that callers need not care. */
  async verify(token: string): Promise<VerifiedSession> {
    try {
      // Every token this server issues expires; one without `exp` would be valid forever if the key ever leaked.
      const { sub, wid, cid, scope, con, iat, lnk } = verifyHs256(token, this.rawKey, { issuer: ISSUER, audience: AUDIENCE });
      if (
        typeof sub !== 'string' ||
        typeof wid !== 'string' ||
        scope !== 'visitor' ||
        !(typeof cid === 'string' || cid === null) ||
        !(typeof con === 'string' || con === undefined) ||
        !(typeof lnk === 'string' || lnk === undefined)
      ) {
        throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID', 'The session token lacks the claims of a Parley visitor session.');
      }
      // Tokens without `iat` were never issued here (issue() always sets it); 0 reads as "before any withdrawal".
      return { sub, wid, cid, scope, consentId: con ?? null, issuedAt: typeof iat === 'number' ? iat : 0, linkId: lnk ?? null };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof Hs256Expired) throw new ApiError('PARLEY_ERR_AUTH_TOKEN_EXPIRED');
      throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID');
    }
  }
}
