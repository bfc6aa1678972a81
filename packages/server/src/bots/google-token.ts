import { importPKCS8, SignJWT } from 'jose';
import * as v from 'valibot';
import { BotError } from './bot-connector.js';
import { parseJson, postUpstream, readText } from './upstream-http.js';

const SCOPE = 'https://www.googleapis.com/auth/dialogflow';
const DEFAULT_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Refresh this long before expiry, so a token never expires in flight. */
const EARLY_REFRESH_MS = 60_000;

const keySchema = v.object({
  client_email: v.pipe(v.string(), v.email()),
  private_key: v.pipe(v.string(), v.includes('PRIVATE KEY')),
  private_key_id: v.optional(v.string()),
  token_uri: v.optional(v.string()),
  project_id: v.optional(v.string()),
});
export type ServiceAccountKey = v.InferOutput<typeof keySchema>;
const tokenSchema = v.object({ access_token: v.pipe(v.string(), v.minLength(1)), expires_in: v.optional(v.number()) });

export function parseServiceAccountKey(json: string): ServiceAccountKey {
  try {
    return parseJson(json, keySchema);
  } catch (error) {
    throw new BotError(`the service-account key is not a Google service-account JSON key (${error instanceof Error ? error.message : ''})`);
  }
}

/**
 * OAuth access tokens for service accounts (the JWT-bearer grant, RFC 7523), cached per account and
 * token endpoint until shortly before they expire. Concurrent turns share one exchange in flight.
 */
export class GoogleTokens {
  private readonly cache = new Map<string, { readonly token: string; readonly expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `allowPrivateNetwork`: the bot's setting, for a token endpoint on the operator's network (tests, proxies). */
  async token(key: ServiceAccountKey, tokenUrl: string | undefined, signal: AbortSignal, allowPrivateNetwork = false): Promise<string> {
    const url = tokenUrl ?? key.token_uri ?? DEFAULT_TOKEN_URL;
    const cacheKey = `${key.client_email}|${url}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined && cached.expiresAt - EARLY_REFRESH_MS > this.now()) return cached.token;
    let exchange = this.pending.get(cacheKey);
    if (exchange === undefined) {
      exchange = this.exchange(key, url, cacheKey, signal, allowPrivateNetwork).finally(() => this.pending.delete(cacheKey));
      this.pending.set(cacheKey, exchange);
    }
    return exchange;
  }

  /** Forgets a token the API refused (revoked key, clock skew): the next call exchanges a new one. */
  forget(key: ServiceAccountKey, tokenUrl: string | undefined): void {
    this.cache.delete(`${key.client_email}|${tokenUrl ?? key.token_uri ?? DEFAULT_TOKEN_URL}`);
  }

  private async exchange(
    key: ServiceAccountKey,
    url: string,
    cacheKey: string,
    signal: AbortSignal,
    allowPrivateNetwork: boolean,
  ): Promise<string> {
    const issuedAt = Math.floor(this.now() / 1000);
    let assertion: string;
    try {
      const privateKey = await importPKCS8(key.private_key, 'RS256');
      assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id === undefined ? {} : { kid: key.private_key_id }) })
        .setIssuer(key.client_email)
        .setAudience(url)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + 3600)
        .sign(privateKey);
    } catch (error) {
      throw new BotError(`could not sign with the service-account key: ${error instanceof Error ? error.message : String(error)}`);
    }
    const response = await postUpstream({
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal,
      allowPrivateNetwork,
    });
    const answer = parseJson(await readText(response, signal), tokenSchema);
    this.cache.set(cacheKey, { token: answer.access_token, expiresAt: this.now() + (answer.expires_in ?? 3600) * 1000 });
    return answer.access_token;
  }
}
