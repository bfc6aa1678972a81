import { resolve } from 'node:path';
import { REBALANCE_SPREAD_MAX_SECONDS } from '@parley/protocol';
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy.js';
import { parseIceServers, type IceConfig } from './realtime/calls/ice-servers.js';
import { DEFAULT_LIMITS, LIMIT_NAMES, limitEnvName, parseRate, type Rate, type VolumeLimits } from './limits/limit-rules.js';

/**
 * Environment → typed configuration, validated once at start. A bad value throws a ConfigError whose
 * message is one line naming the variable, the value and what it accepts; main.ts prints it and exits 1.
 */
export type StorageConfig =
  | { readonly kind: 'sqlite'; readonly file: string; readonly synchronous: SqliteSynchronous }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string | null };

/**
 * PARLEY_SQLITE_SYNCHRONOUS. `full`: an acknowledged message survives power loss and OS crashes (one
 * fsync per group commit). `normal`: it survives a crash of the process only; the last commits before a
 * power cut may roll back.
 */
const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

/** openai: an OpenAI-compatible chat-completions API; libretranslate: LibreTranslate's POST /translate (PARLEY_TRANSLATOR_KIND). */
export const TRANSLATOR_KINDS = ['openai', 'libretranslate'] as const;
export type TranslatorKind = (typeof TRANSLATOR_KINDS)[number];

export interface TranslatorConfig {
  readonly kind?: TranslatorKind;
  readonly url: string;
  readonly model: string;
  /** How long a chat message waits for its translation before it is delivered untranslated, marked (PARLEY_TRANSLATOR_TIMEOUT_MS). */
  readonly messageTimeoutMs?: number;
  readonly apiKey: string | null;
  /** The translator may be on a private or loopback address (PARLEY_TRANSLATOR_ALLOW_PRIVATE: a local Ollama, an intranet vLLM). */
  readonly allowPrivateNetwork: boolean;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly storage: StorageConfig;
  readonly redisUrl: string | null;
  readonly secret: string | null;
  readonly publicUrl: string;
  readonly adminKey: string | null;
  readonly logLevel: LogLevel;
  readonly translator: TranslatorConfig | null;
  /** First admin for automation: created on first start instead of the printed demo admin. */
  readonly firstAdmin: { readonly email: string; readonly password: string } | null;
  /** Agents' replies to visitors who left an email go out by mail when set (smtp://user:pass@host:587, smtps://…). */
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  /** How long a reply may stay unread before it is mailed (PARLEY_MAIL_DELAY_MS; null: the built-in minute). */
  readonly mailDelayMs: number | null;
  /** Link previews may fetch private, loopback and link-local addresses on any port (PARLEY_UNFURL_ALLOW_PRIVATE; tests, intranets). */
  readonly unfurlAllowPrivate: boolean;
  /** Outbound webhooks may go to private, loopback and link-local addresses (PARLEY_WEBHOOKS_ALLOW_PRIVATE; receivers on your own network). */
  readonly webhooksAllowPrivate: boolean;
  /** Peers whose X-Forwarded-* headers are believed (PARLEY_TRUST_PROXY; none by default). */
  readonly trustProxy: TrustProxy;
  /** Bearer token GET /metrics asks for (PARLEY_METRICS_TOKEN); null: only loopback clients may read it. */
  readonly metricsToken: string | null;
  /** Over how many seconds a rebalance (SIGUSR2, POST /v1/admin/rebalance) sheds this node's connections (PARLEY_REBALANCE_SPREAD_SECONDS). */
  readonly rebalanceSpreadSeconds: number;
  /** Volume limits on public paths (PARLEY_LIMIT_*; see limits/limit-rules.ts); null: that one is off. */
  readonly limits: VolumeLimits;
  /** Days after their last activity conversations are deleted when their widget sets no retentionDays (PARLEY_RETENTION_DAYS); null: kept. */
  readonly retentionDays: number | null;
  /** What is kept of a visitor's address for address blocks (PARLEY_STORE_VISITOR_IP): a keyed hash only (`none`), or the /24 or /48 (`truncated`). */
  readonly storeVisitorIp: 'none' | 'truncated';
  /**
   * ICE servers for calls (PARLEY_ICE_SERVERS), coturn's shared secret for per-call TURN credentials (PARLEY_TURN_SECRET,
   * PARLEY_TURN_TTL_SECONDS), the connect timeout (PARLEY_CALL_CONNECT_TIMEOUT_SECONDS) and how often nodes say which
   * call links they hold (PARLEY_CALL_LIVENESS_SECONDS).
   */
  readonly ice: IceConfig;
  /** A widget PATCH writes its draft, published only by POST /v1/widgets/{id}/publish (PARLEY_REVIEW_BEFORE_PUBLISH; docs/configuration-versions.md). */
  readonly reviewBeforePublish: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fail = (name: string, value: string, expected: string): never => {
    throw new ConfigError(`${name}=${JSON.stringify(value)} is invalid: ${expected}.`);
  };
  const readFlag = (name: string, meaning: string): boolean => {
    const text = (read(name) ?? '0').toLowerCase();
    if (!['0', '1', 'true', 'false'].includes(text)) fail(name, read(name) ?? '', `expected 1 or true (${meaning}), 0 or false`);
    return text === '1' || text === 'true';
  };

  const portText = read('PARLEY_PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) fail('PARLEY_PORT', portText, 'expected a whole number from 1 to 65535');

  const host = read('PARLEY_HOST') ?? '0.0.0.0';
  const dataDir = resolve(read('PARLEY_DATA_DIR') ?? './data');

  const synchronousText = (read('PARLEY_SQLITE_SYNCHRONOUS') ?? 'full').toLowerCase();
  const synchronous = SQLITE_SYNCHRONOUS.find((level) => level === synchronousText);
  if (synchronous === undefined) {
    fail(
      'PARLEY_SQLITE_SYNCHRONOUS',
      synchronousText,
      'expected full (acknowledged messages survive power loss) or normal (they survive a process crash only)',
    );
  }

  const databaseUrl = read('PARLEY_DATABASE_URL');
  let storage: StorageConfig = { kind: 'sqlite', file: resolve(dataDir, 'parley.db'), synchronous: synchronous ?? 'full' };
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\/.+/.test(databaseUrl) || !URL.canParse(databaseUrl)) {
      fail('PARLEY_DATABASE_URL', databaseUrl, 'expected postgres://user:password@host:5432/database (unset it to use SQLite)');
    }
    const schema = read('PARLEY_DATABASE_SCHEMA') ?? null;
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      fail('PARLEY_DATABASE_SCHEMA', schema, 'expected a lowercase PostgreSQL schema name');
    }
    storage = { kind: 'postgres', url: databaseUrl, schema };
  }

  const redisUrl = read('PARLEY_REDIS_URL') ?? null;
  if (redisUrl !== null && (!/^rediss?:\/\//.test(redisUrl) || !URL.canParse(redisUrl))) {
    fail('PARLEY_REDIS_URL', redisUrl, 'expected redis://host:6379 or rediss://…');
  }

  const secret = read('PARLEY_SECRET') ?? null;
  if (secret !== null && secret.length < 32) {
    fail('PARLEY_SECRET', '<hidden>', 'expected at least 32 characters (unset it to have one generated in the data directory)');
  }

  const publicUrlText = read('PARLEY_PUBLIC_URL') ?? `http://localhost:${port}`;
  if (!/^https?:\/\//.test(publicUrlText) || !URL.canParse(publicUrlText)) {
    fail('PARLEY_PUBLIC_URL', publicUrlText, 'expected the URL visitors reach this server at, such as https://chat.example.com');
  }
  const publicUrl = publicUrlText.replace(/\/+$/, '');

  const adminKey = read('PARLEY_ADMIN_KEY') ?? null;
  if (adminKey !== null && adminKey.length < 24) fail('PARLEY_ADMIN_KEY', '<hidden>', 'expected at least 24 characters');

  const logLevelText = read('PARLEY_LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((level) => level === logLevelText);
  if (logLevel === undefined) fail('PARLEY_LOG_LEVEL', logLevelText, `expected one of ${LOG_LEVELS.join(', ')}`);

  const translatorUrl = read('PARLEY_TRANSLATOR_URL');
  const translatorKindText = read('PARLEY_TRANSLATOR_KIND') ?? 'openai';
  const translatorKind = TRANSLATOR_KINDS.find((kind) => kind === translatorKindText);
  if (translatorKind === undefined) fail('PARLEY_TRANSLATOR_KIND', translatorKindText, `expected one of ${TRANSLATOR_KINDS.join(', ')}`);
  const translatorTimeoutText = read('PARLEY_TRANSLATOR_TIMEOUT_MS') ?? '5000';
  if (!/^\d+$/.test(translatorTimeoutText) || Number(translatorTimeoutText) < 100 || Number(translatorTimeoutText) > 60_000) {
    fail('PARLEY_TRANSLATOR_TIMEOUT_MS', translatorTimeoutText, 'expected a whole number of milliseconds from 100 to 60000');
  }
  let translator: TranslatorConfig | null = null;
  if (translatorUrl === undefined) {
    for (const name of ['PARLEY_TRANSLATOR_KIND', 'PARLEY_TRANSLATOR_MODEL', 'PARLEY_TRANSLATOR_API_KEY', 'PARLEY_TRANSLATOR_TIMEOUT_MS']) {
      const value = read(name);
      if (value !== undefined)
        fail(name, name.endsWith('API_KEY') ? '…' : value, "it needs PARLEY_TRANSLATOR_URL, the translator's base URL");
    }
  } else {
    if (!/^https?:\/\//.test(translatorUrl) || !URL.canParse(translatorUrl)) {
      const expected =
        translatorKind === 'libretranslate'
          ? 'the base URL of a LibreTranslate-compatible API, such as https://libretranslate.example.com'
          : 'the base URL of an OpenAI-compatible API, such as https://api.openai.com/v1';
      fail('PARLEY_TRANSLATOR_URL', translatorUrl, `expected ${expected}`);
    }
    translator = {
      kind: translatorKind ?? 'openai',
      messageTimeoutMs: Number(translatorTimeoutText),
      url: translatorUrl.replace(/\/+$/, ''),
      model: read('PARLEY_TRANSLATOR_MODEL') ?? 'gpt-4o-mini',
      apiKey: read('PARLEY_TRANSLATOR_API_KEY') ?? null,
      allowPrivateNetwork: readFlag('PARLEY_TRANSLATOR_ALLOW_PRIVATE', 'the translator may be on a private address'),
    };
  }

  const adminEmail = read('PARLEY_ADMIN_EMAIL');
  const adminPassword = env['PARLEY_ADMIN_PASSWORD'];
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) {
    fail('PARLEY_ADMIN_EMAIL', adminEmail, 'expected an email address such as admin@example.com');
  }
  if ((adminEmail === undefined) !== (adminPassword === undefined || adminPassword === '')) {
    fail(
      adminEmail === undefined ? 'PARLEY_ADMIN_PASSWORD' : 'PARLEY_ADMIN_EMAIL',
      adminEmail === undefined ? '<hidden>' : adminEmail,
      'set PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD together',
    );
  }
  if (adminPassword !== undefined && adminPassword !== '' && adminPassword.length < 8) {
    fail('PARLEY_ADMIN_PASSWORD', '<hidden>', 'expected at least 8 characters');
  }
  const firstAdmin =
    adminEmail === undefined || adminPassword === undefined ? null : { email: adminEmail.toLowerCase(), password: adminPassword };

  const smtpUrl = read('PARLEY_SMTP_URL') ?? null;
  if (smtpUrl !== null && (!/^smtps?:\/\//.test(smtpUrl) || !URL.canParse(smtpUrl))) {
    fail('PARLEY_SMTP_URL', smtpUrl.replace(/\/\/[^@/]*@/, '//<hidden>@'), 'expected smtp://user:password@host:587 or smtps://…:465');
  }
  const mailFrom = read('PARLEY_MAIL_FROM') ?? `Parley <parley@${new URL(publicUrl).hostname}>`;
  const mailDelayText = read('PARLEY_MAIL_DELAY_MS');
  if (mailDelayText !== undefined && !/^\d{1,9}$/.test(mailDelayText)) {
    fail('PARLEY_MAIL_DELAY_MS', mailDelayText, 'expected a whole number of milliseconds');
  }
  const mailDelayMs = mailDelayText === undefined ? null : Number(mailDelayText);

  const unfurlAllowPrivate = readFlag('PARLEY_UNFURL_ALLOW_PRIVATE', 'previews may fetch private addresses');
  const webhooksAllowPrivate = readFlag('PARLEY_WEBHOOKS_ALLOW_PRIVATE', 'webhooks may go to private addresses');

  const trustProxyText = read('PARLEY_TRUST_PROXY');
  const trustProxy = parseTrustProxy(trustProxyText);
  if (typeof trustProxy === 'string') fail('PARLEY_TRUST_PROXY', trustProxyText ?? '', trustProxy);

  const metricsToken = read('PARLEY_METRICS_TOKEN') ?? null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,200}$/.test(metricsToken)) {
    fail('PARLEY_METRICS_TOKEN', '<hidden>', 'expected 16 to 200 printable characters without spaces');
  }

  const spreadText = read('PARLEY_REBALANCE_SPREAD_SECONDS') ?? '60';
  const rebalanceSpreadSeconds = Number(spreadText);
  if (!/^\d{1,4}$/.test(spreadText) || rebalanceSpreadSeconds > REBALANCE_SPREAD_MAX_SECONDS) {
    fail('PARLEY_REBALANCE_SPREAD_SECONDS', spreadText, `expected a whole number of seconds from 0 to ${REBALANCE_SPREAD_MAX_SECONDS}`);
  }

  const retentionText = read('PARLEY_RETENTION_DAYS');
  if (retentionText !== undefined && (!/^\d{1,5}$/.test(retentionText) || Number(retentionText) < 1 || Number(retentionText) > 36_500)) {
    fail('PARLEY_RETENTION_DAYS', retentionText, 'expected a whole number of days from 1 to 36500 (unset: keep conversations)');
  }
  const retentionDays = retentionText === undefined ? null : Number(retentionText);
  const storeVisitorIp = (read('PARLEY_STORE_VISITOR_IP') ?? 'none').toLowerCase();
  if (storeVisitorIp !== 'none' && storeVisitorIp !== 'truncated') {
    fail('PARLEY_STORE_VISITOR_IP', storeVisitorIp, 'expected none (a keyed hash only; the default) or truncated (the /24 or /48)');
  }

  const iceText = read('PARLEY_ICE_SERVERS');
  const iceServers = iceText === undefined ? [] : parseIceServers(iceText);
  if ('error' in iceServers) fail('PARLEY_ICE_SERVERS', iceText ?? '', iceServers.error);
  const turnSecret = read('PARLEY_TURN_SECRET') ?? null;
  if (turnSecret !== null && turnSecret.length < 16) {
    fail('PARLEY_TURN_SECRET', '<hidden>', "expected at least 16 characters (coturn's static-auth-secret)");
  }
  const turnTtlText = read('PARLEY_TURN_TTL_SECONDS') ?? '86400';
  if (!/^\d{1,7}$/.test(turnTtlText) || Number(turnTtlText) < 60 || Number(turnTtlText) > 604_800) {
    fail('PARLEY_TURN_TTL_SECONDS', turnTtlText, 'expected a whole number of seconds from 60 to 604800 (7 days)');
  }

  const connectText = read('PARLEY_CALL_CONNECT_TIMEOUT_SECONDS') ?? '30';
  if (!/^\d{1,3}$/.test(connectText) || Number(connectText) < 2 || Number(connectText) > 300) {
    fail('PARLEY_CALL_CONNECT_TIMEOUT_SECONDS', connectText, 'expected a whole number of seconds from 2 to 300');
  }
  const livenessText = read('PARLEY_CALL_LIVENESS_SECONDS') ?? '15';
  if (!/^\d{1,3}$/.test(livenessText) || Number(livenessText) < 1 || Number(livenessText) > 300) {
    fail('PARLEY_CALL_LIVENESS_SECONDS', livenessText, 'expected a whole number of seconds from 1 to 300');
  }

  const reviewBeforePublish = readFlag('PARLEY_REVIEW_BEFORE_PUBLISH', 'widget changes wait in a draft until published');

  const limits: Record<string, Rate | null> = {};
  for (const name of LIMIT_NAMES) {
    const text = read(limitEnvName(name));
    const rate = text === undefined ? DEFAULT_LIMITS[name] : parseRate(text);
    if (rate !== null && 'error' in rate) fail(limitEnvName(name), text ?? '', rate.error);
    else limits[name] = rate;
  }

  return {
    port,
    host,
    dataDir,
    storage,
    redisUrl,
    secret,
    publicUrl,
    adminKey,
    logLevel: logLevel ?? 'info',
    translator,
    firstAdmin,
    smtpUrl,
    mailFrom,
    mailDelayMs,
    unfurlAllowPrivate,
    webhooksAllowPrivate,
    trustProxy: typeof trustProxy === 'string' ? { kind: 'none' } : trustProxy,
    metricsToken,
    rebalanceSpreadSeconds,
    limits: { ...DEFAULT_LIMITS, ...limits },
    retentionDays,
    storeVisitorIp: storeVisitorIp === 'truncated' ? 'truncated' : 'none',
    ice: {
      servers: 'error' in iceServers ? [] : iceServers,
      turnSecret,
      turnTtlSeconds: Number(turnTtlText),
      connectTimeoutSeconds: Number(connectText),
      livenessSeconds: Number(livenessText),
    },
    reviewBeforePublish,
  };
}
