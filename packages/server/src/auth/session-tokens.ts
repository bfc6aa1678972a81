import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { SessionClaims } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

const ISSUER = 'parley';
const AUDIENCE = 'parley:visitor';

/**
 * Visitor session tokens: HS256 JWTs with a key derived from the server secret (so the secret
 * itself never signs anything directly). Only HS256 is accepted, which also refuses `alg: none`.
 */
export class SessionTokens {
  private readonly key: Uint8Array;

  constructor(serverSecret: string) {
    this.key = createHmac('sha256', serverSecret).update('parley/session-token/v1').digest();
  }

  async issue(claims: Omit<SessionClaims, 'scope'>, expiresAt: Date): Promise<string> {
    return new SignJWT({ wid: claims.wid, cid: claims.cid, scope: 'visitor' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  async verify(token: string): Promise<SessionClaims> {
    try {
      // Every token this server issues expires; one without `exp` would be valid forever if the key ever leaked.
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp'],
      });
      const { sub, wid, cid, scope } = payload;
      if (typeof sub !== 'string' || typeof wid !== 'string' || scope !== 'visitor' || !(typeof cid === 'string' || cid === null)) {
        throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID', 'The session token lacks the claims of a Parley visitor session.');
      }
      return { sub, wid, cid, scope };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof errors.JWTExpired) throw new ApiError('PARLEY_ERR_AUTH_TOKEN_EXPIRED');
      throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID');
    }
  }
}
