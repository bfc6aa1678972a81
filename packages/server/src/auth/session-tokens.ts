import { createHmac, webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { SessionClaims } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

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
   * The HMAC key imported once: given raw bytes, jose imports them into WebCrypto on every sign and verify, which was
   * 15 % of a reconnecting visitor's CPU in the reconnect-storm bench (every connect verifies a token).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(serverSecret: string) {
    const raw = createHmac('sha256', serverSecret).update('parley/session-token/v1').digest();
    this.key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
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
      .sign(await this.key);
  }

  async verify(token: string): Promise<VerifiedSession> {
    try {
      // Every token this server issues expires; one without `exp` would be valid forever if the key ever leaked.
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp'],
      });
      const { sub, wid, cid, scope, con, iat, lnk } = payload;
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
      if (error instanceof errors.JWTExpired) throw new ApiError('PARLEY_ERR_AUTH_TOKEN_EXPIRED');
      throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID');
    }
  }
}
