import { createHmac } from 'node:crypto';
import type { IceServer } from '@parley/protocol';

/** The ICE servers calls use (PARLEY_ICE_SERVERS), for coturn's `use-auth-secret` the shared secret and credential lifetime, and the calls' timings. */
export interface IceConfig {
  readonly servers: readonly IceServer[];
  /** PARLEY_TURN_SECRET: TURN servers listed without credentials get per-call time-limited ones signed with it. */
  readonly turnSecret: string | null;
  /** PARLEY_TURN_TTL_SECONDS: how long issued TURN credentials stay valid (a call must start within it). */
  readonly turnTtlSeconds: number;
  /** PARLEY_CALL_CONNECT_TIMEOUT_SECONDS: how long both sides wait for their peer connection before the call ends as `failed`. */
  readonly connectTimeoutSeconds: number;
  /**
   * PARLEY_CALL_LIVENESS_SECONDS: every so often each node names the call links it holds; a call whose link nobody
   * named for three of these (its node died: SIGKILL, power) is ended as `peer-gone` by whichever node sees it first.
   */
  readonly livenessSeconds: number;
}

export const NO_ICE: IceConfig = { servers: [], turnSecret: null, turnTtlSeconds: 86_400, connectTimeoutSeconds: 30, livenessSeconds: 15 };

const ICE_URL = /^(stun|stuns|turn|turns):[^\s]+$/;
const MAX_SERVERS = 16;

/**
 * Parses PARLEY_ICE_SERVERS: a JSON list of { urls, username?, credential? } as RTCPeerConnection takes it.
 * Answers the list, or the reason it is refused (one line, for ConfigError).
 */
export function parseIceServers(text: string): readonly IceServer[] | { readonly error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      error: 'expected JSON: a list of { "urls": "stun:host:3478" | ["turn:host:3478?transport=udp", …], "username"?, "credential"? }',
    };
  }
  if (!Array.isArray(json)) return { error: 'expected a JSON list of ICE servers, such as [{"urls":"stun:stun.example.com:3478"}]' };
  if (json.length > MAX_SERVERS) return { error: `expected at most ${MAX_SERVERS} ICE servers` };
  const servers: IceServer[] = [];
  for (const [index, entry] of json.entries()) {
    const at = `server ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { error: `${at} must be an object with urls` };
    const record = entry as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !['urls', 'username', 'credential'].includes(key));
    if (unknown.length > 0) return { error: `${at} has unknown fields ${unknown.join(', ')} (only urls, username, credential)` };
    const urls = typeof record.urls === 'string' ? [record.urls] : record.urls;
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((url): url is string => typeof url === 'string' && ICE_URL.test(url))) {
      return { error: `${at}: urls must be a stun:, stuns:, turn: or turns: URL, or a non-empty list of them` };
    }
    const { username, credential } = record;
    if (username !== undefined && typeof username !== 'string') return { error: `${at}: username must be a string` };
    if (credential !== undefined && typeof credential !== 'string') return { error: `${at}: credential must be a string` };
    if ((username === undefined) !== (credential === undefined))
      return { error: `${at}: give username and credential together, or neither` };
    servers.push({
      urls: typeof record.urls === 'string' ? record.urls : urls,
      ...(username === undefined ? {} : { username }),
      ...(credential === undefined ? {} : { credential }),
    });
  }
  return servers;
}

const isTurn = (server: IceServer): boolean =>
  (typeof server.urls === 'string' ? [server.urls] : server.urls).some((url) => /^turns?:/.test(url));

/**
 * coturn's REST-style credentials (`use-auth-secret`): username `<expiry unix seconds>:<callId>`, credential
 * base64(HMAC-SHA1(secret, username)). coturn checks the signature and refuses them after the expiry.
 */
export function turnCredentials(
  secret: string,
  callId: string,
  ttlSeconds: number,
  nowMs: number,
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${callId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The ICE servers for one call: TURN servers without credentials get this call's own when a secret is set. */
export function iceServersFor(config: IceConfig, callId: string, nowMs: number = Date.now()): IceServer[] {
  const issued = config.turnSecret === null ? null : turnCredentials(config.turnSecret, callId, config.turnTtlSeconds, nowMs);
  return config.servers.map((server) =>
    issued !== null && isTurn(server) && server.username === undefined
      ? { ...server, username: issued.username, credential: issued.credential }
      : server,
  );
}
