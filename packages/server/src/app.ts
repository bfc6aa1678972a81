import cors, { type FastifyCorsOptions } from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { apiKeysApi } from './api/api-keys.js';
import { blueprintsApi } from './api/blueprints.js';
import { botsApi } from './api/bots.js';
import { conversationsApi } from './api/conversations.js';
import { docsPlugin } from './api/docs.js';
import { healthApi } from './api/health.js';
import { homePage } from './api/home.js';
import { widgetPublicApi } from './api/widget-public.js';
import { widgetsApi } from './api/widgets.js';
import { resolveServerSecret } from './auth/server-secret.js';
import { SessionTokens } from './auth/session-tokens.js';
import { BotService } from './bots/bot-service.js';
import { connectorFor } from './bots/connector-for.js';
import type { Config } from './config.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { ConversationEngine } from './engine/conversation-engine.js';
import { ConversationSignals } from './engine/conversation-signals.js';
import { SessionService } from './engine/session-service.js';
import { authPlugin } from './http/auth-plugin.js';
import { installErrorHandler } from './http/error-handler.js';
import { BODY_LIMIT_BYTES } from './http/limits.js';
import { metricsPlugin } from './http/metrics-plugin.js';
import { realtimeGateway } from './realtime/gateway.js';
import type { Services } from './services.js';
import { ApiKeysStore } from './store/api-keys-store.js';
import { BlueprintsStore } from './store/blueprints-store.js';
import { BotsStore } from './store/bots-store.js';
import { openDatabase } from './store/database.js';
import { WidgetsStore } from './store/widgets-store.js';
import { BlueprintService } from './widgets/blueprint-service.js';
import { LanguageMaps } from './widgets/language-maps.js';
import { OpenAiTranslator } from './widgets/openai-translator.js';
import type { Translator } from './widgets/translator.js';
import { WidgetService } from './widgets/widget-service.js';
import { WidgetSetup } from './widgets/widget-setup.js';

export interface BuildOptions {
  /** Overrides the pino logger settings (tests pass `false`). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Overrides the translator chosen from the config (tests inject failing ones). */
  readonly translator?: Translator | null;
  /** Realtime timings (tests shorten them). */
  readonly realtime?: { readonly typingTtlMs?: number; readonly helloTimeoutMs?: number };
}

export interface Parley {
  readonly app: FastifyInstance;
  readonly services: Services;
}

/** Paths a page on another origin may call; everything else (the management API) gets no CORS headers. */
const CROSS_ORIGIN_PATHS = /^\/v1\/(widgets\/[^/]+\/(config|sessions)|conversations\/|realtime\/)/;

/** Builds the Fastify app from plugins and picks every implementation. No logic lives here. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<Parley> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: true,
    requestIdHeader: 'x-request-id',
  });
  // Requests are validated by the protocol schemas in each handler (parseInput); route schemas
  // exist to generate the OpenAPI description, so Fastify's own validation and serialisation are off.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);

  const database = await openDatabase(config.storage);
  const secret = await resolveServerSecret(config.secret, config.dataDir);
  const tokens = new SessionTokens(secret);
  const translator =
    options.translator !== undefined ? options.translator : config.translator === null ? null : new OpenAiTranslator(config.translator);

  const apiKeys = new ApiKeysStore(database.db);
  const widgetsStore = new WidgetsStore(database.db);
  const blueprintsStore = new BlueprintsStore(database.db);
  const botsStore = new BotsStore(database.db);
  const widgets = new WidgetService(widgetsStore, blueprintsStore, botsStore);
  const bots = new BotService(botsStore, widgetsStore, blueprintsStore);
  const languageMaps = new LanguageMaps(widgetsStore);
  // One node: in-process fan-out; with PARLEY_REDIS_URL, Redis pub/sub between any number of nodes.
  const resyncListeners = new Set<() => void>();
  const bus: Bus =
    config.redisUrl === null
      ? new MemoryBus(app.log)
      : new RedisBus({ url: config.redisUrl, log: app.log, onResync: () => resyncListeners.forEach((listener) => listener()) });
  const engine = new ConversationEngine(database.db, bots, connectorFor, app.log, bus);
  const signals = new ConversationSignals(database.db, bus, app.log, options.realtime?.typingTtlMs);
  const setup = new WidgetSetup(widgetsStore, translator, app.log);
  // One hook, so the order is explicit: background work (setup runs, bot turns) finishes, then the database closes.
  app.addHook('onClose', async () => {
    await Promise.all([setup.idle(), engine.idle()]);
    signals.close();
    await bus.close();
    await database.close();
  });
  const services: Services = {
    database,
    apiKeys,
    widgets,
    blueprints: new BlueprintService(blueprintsStore, widgetsStore, botsStore),
    bots,
    setup,
    languageMaps,
    engine,
    signals,
    sessions: new SessionService(database.db, widgets, botsStore, languageMaps, engine, tokens),
  };

  await app.register(cors, () => (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => {
    callback(null, { origin: CROSS_ORIGIN_PATHS.test(request.url), maxAge: 600 });
  });
  await app.register(metricsPlugin);
  await app.register(authPlugin, { apiKeys, adminKey: config.adminKey, tokens });
  await app.register(docsPlugin, { publicUrl: config.publicUrl });
  await app.register(healthApi, { services });
  await app.register(widgetsApi, { services });
  await app.register(widgetPublicApi, { services });
  await app.register(blueprintsApi, { services });
  await app.register(botsApi, { services });
  await app.register(apiKeysApi, { services });
  await app.register(conversationsApi, { services });
  await app.register(realtimeGateway, {
    session: {
      engine,
      signals,
      bus,
      log: app.log,
      ...(options.realtime?.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.realtime.helloTimeoutMs }),
    },
    auth: { tokens, apiKeys, adminKey: config.adminKey, widgets, engine },
    resyncListeners,
  });
  await app.register(homePage, { services, publicUrl: config.publicUrl });
  return { app, services };
}
