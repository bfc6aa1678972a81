import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { iceServersFor, NO_ICE, parseIceServers, turnCredentials } from './ice-servers.js';

describe('ICE servers and TURN credentials', () => {
  it('reads PARLEY_ICE_SERVERS as RTCPeerConnection takes it, with none by default', () => {
    expect(loadConfig({}).ice).toEqual({
      servers: [],
      turnSecret: null,
      turnTtlSeconds: 86_400,
      connectTimeoutSeconds: 30,
      livenessSeconds: 15,
    });
    expect(loadConfig({}).ice).toEqual(NO_ICE);
    expect(loadConfig({ PARLEY_CALL_CONNECT_TIMEOUT_SECONDS: '5', PARLEY_CALL_LIVENESS_SECONDS: '1' }).ice).toMatchObject({
      connectTimeoutSeconds: 5,
      livenessSeconds: 1,
    });
    const servers = [
      { urls: 'stun:stun.example.com:3478' },
      { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'p' },
    ];
    expect(loadConfig({ PARLEY_ICE_SERVERS: JSON.stringify(servers) }).ice.servers).toEqual(servers);
  });

  it('refuses bad ICE and TURN settings with a line naming the variable and what it accepts', () => {
    const bad: ReadonlyArray<readonly [Record<string, string>, RegExp]> = [
      [{ PARLEY_ICE_SERVERS: 'stun:stun.example.com' }, /^PARLEY_ICE_SERVERS=.* is invalid: expected JSON/],
      [{ PARLEY_ICE_SERVERS: '{"urls":"stun:a"}' }, /expected a JSON list of ICE servers/],
      [{ PARLEY_ICE_SERVERS: '[{"urls":"http://a"}]' }, /server 1: urls must be a stun:, stuns:, turn: or turns: URL/],
      [{ PARLEY_ICE_SERVERS: '[{"urls":[]}]' }, /server 1: urls must be/],
      [{ PARLEY_ICE_SERVERS: '[{"urls":"turn:a","username":"u"}]' }, /give username and credential together/],
      [{ PARLEY_ICE_SERVERS: '[{"urls":"turn:a","password":"p"}]' }, /unknown fields password/],
      [{ PARLEY_TURN_SECRET: 'short' }, /^PARLEY_TURN_SECRET="<hidden>" is invalid: expected at least 16 characters/],
      [{ PARLEY_TURN_TTL_SECONDS: '10' }, /^PARLEY_TURN_TTL_SECONDS="10" is invalid: expected a whole number of seconds from 60 to 604800/],
      [{ PARLEY_TURN_TTL_SECONDS: '1h' }, /PARLEY_TURN_TTL_SECONDS="1h" is invalid/],
      [
        { PARLEY_CALL_CONNECT_TIMEOUT_SECONDS: '1' },
        /^PARLEY_CALL_CONNECT_TIMEOUT_SECONDS="1" is invalid: expected a whole number of seconds from 2 to 300/,
      ],
      [
        { PARLEY_CALL_LIVENESS_SECONDS: '0' },
        /^PARLEY_CALL_LIVENESS_SECONDS="0" is invalid: expected a whole number of seconds from 1 to 300/,
      ],
    ];
    for (const [env, message] of bad) expect(() => loadConfig(env)).toThrow(message);
  });

  it("issues coturn's use-auth-secret credentials: <expiry>:<callId>, base64 HMAC-SHA1 of it", () => {
    const { username, credential } = turnCredentials('0123456789abcdef', 'call-123456', 600, 1_700_000_000_000);
    expect(username).toBe('1700000600:call-123456');
    expect(credential).toBe(createHmac('sha1', '0123456789abcdef').update(username).digest('base64'));
  });

  it('gives TURN servers listed without credentials the call’s own, and leaves STUN and credentialed TURN servers alone', () => {
    const parsed = parseIceServers(
      JSON.stringify([{ urls: 'stun:s:3478' }, { urls: 'turn:t:3478' }, { urls: 'turns:t:5349', username: 'fixed', credential: 'pw' }]),
    );
    if ('error' in parsed) throw new Error(parsed.error);
    const config = { ...NO_ICE, servers: parsed, turnSecret: '0123456789abcdef', turnTtlSeconds: 60 };
    const servers = iceServersFor(config, 'call-abcdefgh', 1_000_000);
    expect(servers[0]).toEqual({ urls: 'stun:s:3478' });
    expect(servers[1]).toEqual({ urls: 'turn:t:3478', ...turnCredentials('0123456789abcdef', 'call-abcdefgh', 60, 1_000_000) });
    expect(servers[2]).toEqual({ urls: 'turns:t:5349', username: 'fixed', credential: 'pw' });
    expect(iceServersFor({ ...config, turnSecret: null }, 'call-abcdefgh')[1]).toEqual({ urls: 'turn:t:3478' });
  });
});
