import { join } from 'node:path';
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { AgentService } from './agents/agent-service.js';
import { TeamService } from './agents/team-service.js';
import { agentsApi } from './api/agents.js';
import { apiKeysApi } from './api/api-keys.js';
import { authApi } from './api/auth.js';
import { teamsApi } from './api/teams.js';
import { inboxApi } from './api/inbox.js';
import { inboxFilesApi } from './api/inbox-files.js';
import { transcriptsApi, visitorTranscriptApi } from './api/transcripts.js';
import { TranscriptMail } from './transcripts/transcript-mail.js';
import { cannedResponsesApi } from './api/canned-responses.js';
import { campaignsApi } from './api/campaigns.js';
import { CampaignService, CampaignsStore } from './campaigns/index.js';
import { CannedResponsesStore } from './store/canned-responses-store.js';
import { visitorContactApi } from './api/visitor-contact.js';
import { visitorConversationsApi } from './api/visitor-conversations.js';
import { consentApi } from './api/consent.js';
import { ConsentRecords } from './privacy/consent.js';
import { reportsApi } from './api/reports.js';
import { widgetEventsApi } from './api/widget-events.js';
import { ReportRecorder } from './reports/report-recorder.js';
import { contactsApi, visitorAttributesApi } from './api/contacts.js';
import { ContactService } from './contacts/index.js';
import { createAgentDesk } from './engine/agent-desk.js';
import { withInboxFeed } from './engine/inbox-feed.js';
import nodemailer, { type Transporter } from 'nodemailer';
import { ConsoleSessions } from './auth/console-sessions.js';
import { AgentsStore } from './store/agents-store.js';
import { TeamsStore } from './store/teams-store.js';
import { blueprintsApi } from './api/blueprints.js';
import { botsApi } from './api/bots.js';
import { conversationsApi } from './api/conversations.js';
import { consoleAssets } from './api/console-assets.js';
import { docsPlugin } from './api/docs.js';
import { healthApi } from './api/health.js';
import { rebalanceApi } from './api/rebalance.js';
import { homePage } from './api/home.js';
import { n8nApi } from './api/n8n.js';
import { widgetAssets } from './api/widget-assets.js';
import { uploadsApi } from './api/uploads.js';
import { unfurlApi } from './api/unfurl.js';
import { LocalFileStore } from './files/local-file-store.js';
import { publicConfigFastPath, widgetPublicApi } from './api/widget-public.js';
import { widgetsApi } from './api/widgets.js';
import { widgetPreviewLinksApi } from './api/widget-preview-links.js';
import { conversationLinksApi } from './api/conversation-links.js';
import { ConversationLinks } from './conversation-links/index.js';
import { PreviewLinks } from './widgets/preview-links.js';
import { resolveServerSecret } from './auth/server-secret.js';
import { SessionTokens, type VerifiedSession } from './auth/session-tokens.js';
import { BotService } from './bots/bot-service.js';
import { createConnectorFactory } from './bots/connector-for.js';
import { storedFileReader } from './bots/visitor-files.js';
import type { Config } from './config.js';
import type { Bus, BusGap } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { BotTurns } from './engine/bot-turns.js';
import { ConversationEngine } from './engine/conversation-engine.js';
import { ConversationSignals } from './engine/conversation-signals.js';
import { CallService } from './realtime/calls/index.js';
import { N8nChat } from './engine/n8n-chat.js';
import { chatSocket } from './n8n/chat-socket.js';
import { ExecutionIds } from './n8n/execution-ids.js';
import { SessionService } from './engine/session-service.js';
import { authPlugin } from './http/auth-plugin.js';
import { installErrorHandler } from './http/error-handler.js';
import { BODY_LIMIT_BYTES } from './http/limits.js';
import { requestSerializer } from './http/log-serializers.js';
import { StdoutDestination } from './http/stdout-destination.js';
import { fastifyTrustProxy, untrustedProxyNotice } from './http/trust-proxy.js';
import { refuseNulInUrl } from './http/nul-check.js';
import { frontDoor, type MemoryAnswer } from './http/front-door.js';
import { metricsPlugin } from './http/metrics-plugin.js';
import { realtimeGateway } from './realtime/gateway.js';
import { InboxItems } from './realtime/inbox-items.js';
import { Rebalancer } from './realtime/rebalancer.js';
import type { Services } from './services.js';
import { ApiKeysStore } from './store/api-keys-store.js';
import { BlueprintsStore } from './store/blueprints-store.js';
import { BotsStore } from './store/bots-store.js';
import { openDatabase } from './store/database.js';
import { WidgetsStore } from './store/widgets-store.js';
import { BlueprintService } from './widgets/blueprint-service.js';
import { LanguageMaps } from './widgets/language-maps.js';
import { buildPublicConfig } from './widgets/public-config.js';
import { PublicConfigCache } from './widgets/public-config-cache.js';
import type { Translator } from './widgets/translator.js';
import { LiveTranslation, translatorsFor, type MessageTranslator } from './translation/index.js';
import { WidgetService } from './widgets/widget-service.js';
import { WidgetSetup } from './widgets/widget-setup.js';
import { ImageSigner, Unfurler, type UnfurlerOptions } from './unfurl/index.js';
import type { Limiter } from './limits/limiter.js';
import { MemoryLimiter } from './limits/memory-limiter.js';
import { RedisLimiter } from './limits/redis-limiter.js';
import { VisitorLimits } from './limits/visitor-limits.js';
import { BotTurnCap } from './limits/bot-turn-cap.js';
import { clientAddressOf } from './limits/client-address.js';
import { Blocklist } from './blocks/index.js';
import { blocksApi } from './api/blocks.js';
import { webhooksApi } from './api/webhooks.js';
import { privacyApi } from './api/privacy.js';
import { auditApi } from './api/audit.js';
import { AuditLog, auditHook } from './audit/index.js';
import { retentionApi } from './api/retention.js';
import { RetentionJob, widgetRetention, type RetentionTimings } from './retention/index.js';
import { rekeyStoredAddresses, visitorAddressKey } from './privacy/visitor-address.js';
import { Webhooks, type WebhooksOptions } from './webhooks/index.js';
import { Privacy } from './privacy/index.js';
import { ApiError } from './http/api-error.js';
import { AltchaSigner, challengeApi, ChallengeGate, MemoryChallengeStore, RedisChallengeStore } from './challenge/index.js';

export interface BuildOptions {
  /** Agent timings (tests shorten them): idle time before `online` reads as `away`, bot silence before a handoff, unread time before a reply is mailed. */
  readonly agents?: {
    readonly awayAfterMs?: number;
    readonly botSilenceMs?: number;
    readonly mailDelayMs?: number;
    /** Replaces the transport built from PARLEY_SMTP_URL (tests point it at their own SMTP server). */
    readonly mailTransport?: Transporter;
  };
  /** Overrides the pino logger settings (tests pass `false`). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Where the configured logger writes instead of stdout (the log privacy test reads it); ignored with `logger`. */
  readonly logStream?: { write(line: string): void };
  /** Overrides the translator chosen from the config (tests inject failing ones). */
  readonly translator?: Translator | null;
  /** Overrides the chat-message translator chosen from the config (live translation; tests inject their own). */
  readonly messageTranslator?: MessageTranslator | null;
  /** Realtime timings (tests shorten them). */
  readonly realtime?: {
    readonly typingTtlMs?: number;
    readonly helloTimeoutMs?: number;
    readonly heartbeatMs?: number;
    readonly callRingMs?: number;
  };
  /** Where the console's browser build is (tests point it at a fixture); default packages/console/dist-browser. */
  readonly consoleDir?: string;
  /** Where the widget's browser build is (tests point it at a fixture); default packages/widget/dist-browser. */
  readonly widgetDir?: string;
  /** Link previews: tests shorten the timeout and answer DNS themselves (allowPrivate defaults to the config's). */
  readonly unfurl?: Partial<UnfurlerOptions>;
  /** Outbound webhooks: tests shorten the worker's timings and answer DNS themselves. */
  readonly webhooks?: Pick<WebhooksOptions, 'timings' | 'resolve'>;
  /** The retention job's timings (tests); `false`: never scheduled (tests call `services.retention.run()`). */
  readonly retention?: Partial<RetentionTimings> | false;
}

export interface Parley {
  readonly app: FastifyInstance;
  readonly services: Services;
  /** Sheds this node's realtime connections over a spread of seconds (main.ts: SIGUSR2). */
  readonly rebalancer: Rebalancer;
}

/** Paths a page on another origin may call; everything else (the management API) gets no CORS headers. */
const CROSS_ORIGIN_PATHS =
  /^\/v1\/(widgets\/[^/]+\/(config|sessions|challenge|n8n|unfurl|events|consent|visitor)|conversations\/|realtime\/)/;

/** Builds the Fastify app from plugins and picks every implementation. No logic lives here. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<Parley> {
  // Set once the metrics plugin is registered; until then every request goes through Fastify.
  let answerFromMemory: MemoryAnswer = () => false;
  const app = Fastify({
    serverFactory: frontDoor(() => answerFromMemory),
    logger: options.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: { req: requestSerializer },
      // Never blocks on a stdout nobody reads (pino's default destination does, and the node then ignores SIGTERM).
      stream: options.logStream ?? new StdoutDestination(),
    },
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from the proxies PARLEY_TRUST_PROXY names (none by default).
    trustProxy: fastifyTrustProxy(config.trustProxy),
    requestIdHeader: 'x-request-id',
  });
  // Requests are validated by the protocol schemas in each handler (parseInput); route schemas
  // exist to generate the OpenAPI description, so Fastify's own validation and serialisation are off.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);
  app.addHook('onRequest', refuseNulInUrl);
  app.addHook('onRequest', untrustedProxyNotice(config.trustProxy, app.log));

  const database = await openDatabase(config.storage, { log: app.log });
  const secret = await resolveServerSecret(config.secret, config.dataDir);
  const tokens = new SessionTokens(secret);
  const translators = config.translator === null ? null : translatorsFor(config.translator);
  const translator = options.translator !== undefined ? options.translator : (translators?.texts ?? null);
  const messageTranslator = options.messageTranslator !== undefined ? options.messageTranslator : (translators?.messages ?? null);

  const apiKeys = new ApiKeysStore(database.db);
  const agentsStore = new AgentsStore(database.db);
  const teamsStore = new TeamsStore(database.db);
  const agents = new AgentService(agentsStore, teamsStore, options.agents ?? {});
  const teams = new TeamService(teamsStore, agentsStore);
  const consoleSessions = new ConsoleSessions(agentsStore);
  const widgetsStore = new WidgetsStore(database.db);
  const blueprintsStore = new BlueprintsStore(database.db);
  const botsStore = new BotsStore(database.db);
  // One node: in-process fan-out; with PARLEY_REDIS_URL, Redis pub/sub between any number of nodes.
  const resyncListeners = new Set<(gap: BusGap) => void>();
  const bus: Bus =
    config.redisUrl === null
      ? new MemoryBus(app.log)
      : new RedisBus({ url: config.redisUrl, log: app.log, onResync: (gap) => resyncListeners.forEach((listener) => listener(gap)) });
  // Volume limits: per node in memory; with PARLEY_REDIS_URL, shared by every node.
  const limiter: Limiter = config.redisUrl === null ? new MemoryLimiter() : new RedisLimiter({ url: config.redisUrl, log: app.log });
  const limits = new VisitorLimits(limiter, config.limits);
  // Proof of work for new sessions above a widget's thresholds: counts per node, or in Redis shared by every node.
  const challengeStore = config.redisUrl === null ? new MemoryChallengeStore() : new RedisChallengeStore(config.redisUrl, app.log);
  const challenge = new ChallengeGate({ signer: new AltchaSigner(secret), store: challengeStore, log: app.log });
  // Bot turns read their bot after every visitor message: kept in memory, edits shared over the bus.
  const bots = new BotService(botsStore, widgetsStore, blueprintsStore, { bus, log: app.log });
  // Agents' blocks: every visitor request consults them, so they are kept in memory; changes go over the bus.
  const blocks = new Blocklist(database.db, bus, app.log);
  // Never the visitor's address: a keyed hash (or, with PARLEY_STORE_VISITOR_IP=truncated, the /24 or /48); older rows rewritten once.
  blocks.storedAddress = visitorAddressKey(config.storeVisitorIp, secret);
  await rekeyStoredAddresses(database.db, blocks.storedAddress);
  resyncListeners.add(() => blocks.forgetLoaded());
  resyncListeners.add(() => bots.forgetLoaded());
  const languageMaps = new LanguageMaps(widgetsStore);
  // Every page view asks for its widget's public config: kept in memory, changes shared over the bus.
  // (mailTransport is set below, before any request reads a config.)
  const publicConfig: PublicConfigCache = new PublicConfigCache(
    (id) => buildPublicConfig(widgets, languageMaps, id, mailTransport !== null, campaigns),
    bus,
    app.log,
  );
  resyncListeners.add(() => publicConfig.clear());
  const widgets: WidgetService = new WidgetService(widgetsStore, blueprintsStore, botsStore, publicConfig, {
    reviewBeforePublish: config.reviewBeforePublish,
  });
  // Connects, presence frames, bot turns and REST sends read a widget's settings from the same cache, not its rows.
  widgets.cachedSettings = async (id) => (await publicConfig.load(id)).settings;
  // Proactive messages: stored per widget, carried by the public config, counted from the widget's beacons.
  const campaigns = new CampaignService(
    new CampaignsStore(database.db),
    {
      assertWidget: async (id) => {
        await widgets.get(id);
      },
      agentName: async (id) => (await agentsStore.get(id))?.name,
    },
    publicConfig,
  );
  // Every message and agent read is also announced to agents' inbox streams.
  const feedBus = withInboxFeed(bus, app.log);
  const engine = new ConversationEngine(database.db, app.log, feedBus, database.messageWriter);
  // Outbound webhooks: event sources write its outbox in their own transactions; every node's worker sends it.
  const webhooks = new Webhooks({
    db: database.db,
    bus,
    log: app.log,
    dialect: database.dialect,
    allowPrivate: config.webhooksAllowPrivate,
    userAgent: 'Parley-Webhooks/1',
    ...options.webhooks,
  });
  engine.webhooks = webhooks.engine;
  resyncListeners.add(() => webhooks.subscriptions.forgetLoaded());
  await webhooks.start();
  // Reports: events and their figures, kept as things happen (reports/).
  const reports = new ReportRecorder({
    db: database.db,
    log: app.log,
    hoursOf: async (id) => (await widgets.resolve(id)).effective.businessHours,
  });
  engine.reports = reports;
  if (messageTranslator !== null) {
    const timeoutMs = config.translator?.messageTimeoutMs ?? 5000;
    engine.translation = new LiveTranslation(database.db, messageTranslator, bots, widgets, app.log, timeoutMs);
  }
  // One SMTP transport (or none) for offline replies and emailed transcripts.
  const mailTransport = options.agents?.mailTransport ?? (config.smtpUrl === null ? null : nodemailer.createTransport(config.smtpUrl));
  // Conversation links (docs/async-mode.md): signed, expiring, revocable; reply mails carry one.
  const conversationLinks = new ConversationLinks(database.db, secret, config.publicUrl, { bus, log: app.log });
  const desk = createAgentDesk({
    db: database.db,
    engine,
    bus,
    log: app.log,
    agentsStore,
    agents,
    teams,
    widgets,
    mail: {
      transport: mailTransport,
      from: config.mailFrom,
      publicUrl: config.publicUrl,
      link: async (conversationId) => (await conversationLinks.create(conversationId, { createdBy: 'system' })).url,
    },
    timings: {
      ...(options.agents?.botSilenceMs === undefined ? {} : { botSilenceMs: options.agents.botSilenceMs }),
      ...(options.agents?.mailDelayMs === undefined ? {} : { mailDelayMs: options.agents.mailDelayMs }),
      // PARLEY_MAIL_DELAY_MS: end-to-end tests of the built server shorten the unread minute before a reply is mailed.
      ...(options.agents?.mailDelayMs !== undefined || config.mailDelayMs === null ? {} : { mailDelayMs: config.mailDelayMs }),
    },
  });
  const signals = new ConversationSignals(database.db, feedBus, app.log, options.realtime?.typingTtlMs);
  const calls = new CallService({
    db: database.db,
    engine,
    bus,
    log: app.log,
    ice: config.ice,
    visitorMode: async (widgetId) => (await widgets.settings(widgetId)).calls.visitor,
    widgetLanguage: async (widgetId) => (await widgets.settings(widgetId)).language,
    ...(options.realtime?.callRingMs === undefined ? {} : { ringMs: options.realtime.callRingMs }),
  });
  calls.start();
  const files = new LocalFileStore(join(config.dataDir, 'uploads'));
  const connectorFor = createConnectorFactory({ readFile: storedFileReader(files, config.publicUrl) });
  const botTurns = new BotTurns(engine, bots, connectorFor, app.log, desk.botTurnPorts, {
    bus,
    db: database.db,
    widgets,
    signals,
    turnCap: new BotTurnCap(limiter),
    note: (conversationId, author, text) => desk.replies.note(conversationId, author, text, null),
  });
  const setup = new WidgetSetup(widgetsStore, translator, app.log, publicConfig);
  const transcriptMail = new TranscriptMail({ engine, inbox: desk.inbox, widgets, publicUrl: config.publicUrl }, app.log, {
    transport: mailTransport,
    from: config.mailFrom,
  });
  desk.ownership.hooks = { ...desk.ownership.hooks, resolved: (conversationId) => transcriptMail.resolved(conversationId) };
  // One hook, so the order is explicit: background work (setup runs, bot turns) finishes, then the database closes.
  app.addHook('onClose', async () => {
    await retention.close();
    await Promise.all([setup.idle(), botTurns.idle()]);
    // Deliveries on their way finish (or are released for another node) while the database is open.
    await webhooks.close();
    await desk.close();
    await reports.flush();
    // A resolve's transcript already being mailed is sent before the database it reads from closes.
    await transcriptMail.idle();
    signals.close();
    await calls.close();
    await bus.close();
    await limiter.close();
    await challengeStore.close();
    await database.close();
  });
  const contacts = new ContactService(database.db, webhooks.contacts);
  const privacy = new Privacy({ db: database.db, files, bus, log: app.log, flush: () => reports.flush() });
  const consent = new ConsentRecords(database.db);
  const audit = new AuditLog(database.db);
  // Retention (retention/): every hour, on one node at a time, conversations past their widget's retentionDays go.
  const retention = new RetentionJob({
    db: database.db,
    log: app.log,
    audit,
    defaultDays: config.retentionDays,
    widgets: () => widgetRetention(database.db, widgets),
    erase: (ids) => privacy.eraseConversations(ids),
    ...(options.retention === undefined || options.retention === false ? {} : { timings: options.retention }),
  });
  if (options.retention !== false) retention.start();
  const services: Services = {
    database,
    apiKeys,
    widgets,
    blueprints: new BlueprintService(blueprintsStore, widgetsStore, botsStore, publicConfig),
    bots,
    setup,
    languageMaps,
    publicConfig,
    engine,
    botTurns,
    signals,
    agents,
    teams,
    desk,
    limits,
    challenge,
    blocks,
    files,
    privacy,
    transcripts: transcriptMail,
    webhooks,
    contacts,
    audit,
    retention,
    sessions: new SessionService(database.db, widgets, botsStore, languageMaps, engine, tokens, botTurns, blocks, contacts, campaigns),
  };

  await app.register(cors, () => (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => {
    // DELETE: the widget's self-service (a visitor deletes their conversation or data, api/privacy.ts).
    callback(null, { origin: CROSS_ORIGIN_PATHS.test(request.url), maxAge: 600, methods: ['GET', 'HEAD', 'POST', 'DELETE'] });
  });
  await app.register(metricsPlugin);
  app.metrics.registerMetric(challenge.outcomes);
  // The client address of a raw request (the config fast path, WebSocket upgrades), as Fastify's request.ip computes it.
  const addressOf = clientAddressOf(config.trustProxy);
  answerFromMemory = publicConfigFastPath({
    cache: publicConfig,
    log: app.log,
    metrics: app.metrics,
    served: (widgetId, request) => {
      challenge.sawPageLoad(widgetId, addressOf(request));
      reports.widgetLoaded(widgetId);
    },
  });
  // A session minted from a conversation link ends when the link is revoked or expires (both REST and realtime ask).
  const liveSession = {
    sessionConversation: async (claims: VerifiedSession) => {
      if (claims.linkId !== null && !(await conversationLinks.alive(claims.linkId))) {
        throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID', 'The conversation link this session came from was revoked or has expired.');
      }
      return consent.sessionConversation(claims);
    },
  };
  await app.register(authPlugin, {
    apiKeys,
    adminKey: config.adminKey,
    tokens,
    consoleSessions,
    agents,
    // No Origin (a server, a same-origin GET) passes whatever the allowlist: the widget is not even read.
    // A conversation link's page is this server's own: its session is not held to the widget's allowlist there.
    sessionOrigin: async (claims, origin) => {
      if (origin === undefined || (claims.linkId !== null && origin === new URL(config.publicUrl).origin)) return;
      widgets.assertOrigin(await widgets.settings(claims.wid), origin, true);
    },
    // Tokens are stateless: one of an erased conversation is refused by its conversation being gone, one whose
    // consent was withdrawn by its consent record (both in one read).
    sessionAlive: async (claims) => {
      if ((await liveSession.sessionConversation(claims)) === undefined) {
        throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID', 'This session’s conversation no longer exists.');
      }
    },
  });
  // Before the routes: every route that declares `config.audit` is recorded in the audit log when it succeeds.
  await app.register(auditHook, { audit: services.audit });
  await app.register(docsPlugin, { publicUrl: config.publicUrl });
  // After the docs plugin: it describes only routes registered after it.
  await app.register(authApi, { agents, consoleSessions, publicUrl: config.publicUrl, limiter });
  await app.register(agentsApi, { agents });
  await app.register(teamsApi, { teams });
  await app.register(healthApi, { services, metricsToken: config.metricsToken });
  const rebalancer = new Rebalancer(app.log);
  await app.register(rebalanceApi, { rebalancer, defaultSpreadSeconds: config.rebalanceSpreadSeconds });
  await app.register(widgetsApi, { services });
  await app.register(widgetPublicApi, { services, reports });
  await app.register(challengeApi, { gate: challenge, publicConfig, widgets });
  const n8nChat = new N8nChat({
    db: database.db,
    widgets,
    engine,
    botTurns,
    owner: async (conversationId) => (await desk.ownership.state(conversationId)).owner,
    executions: new ExecutionIds(secret),
    publicUrl: config.publicUrl,
  });
  await app.register(n8nApi, { chat: n8nChat, limits, blocks });
  await app.register(blueprintsApi, { services });
  await app.register(botsApi, { services });
  await app.register(apiKeysApi, { services });
  await app.register(conversationsApi, { services });
  await app.register(visitorContactApi, { db: database.db, engine, bus, blocks, contacts });
  await app.register(visitorConversationsApi, { services });
  await app.register(contactsApi, { services });
  await app.register(privacyApi, { services });
  await app.register(reportsApi, { db: database.db, flush: () => reports.flush() });
  await app.register(widgetEventsApi, { publicConfig, widgets, limits, recorder: reports, campaigns });
  await app.register(campaignsApi, { campaigns });
  await app.register(consentApi, { publicConfig, widgets, limits, consent, privacy });
  await app.register(visitorAttributesApi, { services });
  await app.register(blocksApi, { blocks, engine, db: database.db });
  await app.register(webhooksApi, { webhooks });
  await app.register(auditApi, { audit: services.audit });
  await app.register(retentionApi, { retention });
  await app.register(inboxApi, { inbox: desk.inbox, ownership: desk.ownership, replies: desk.replies, agents, teams });
  await app.register(cannedResponsesApi, { store: new CannedResponsesStore(database.db) });
  await app.register(realtimeGateway, {
    rebalancer,
    session: {
      engine,
      botTurns,
      signals,
      bus,
      log: app.log,
      conversations: desk.realtimeHooks,
      limits,
      calls,
      ...(options.realtime?.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.realtime.helloTimeoutMs }),
      ...(options.realtime?.heartbeatMs === undefined ? {} : { heartbeatMs: options.realtime.heartbeatMs }),
    },
    auth: {
      tokens,
      apiKeys,
      adminKey: config.adminKey,
      widgets,
      engine,
      consoleSessions,
      publicUrl: config.publicUrl,
      onAgentActivity: (agentId) => agents.touch(agentId),
      blocks,
      consent: liveSession,
    },
    inbox: {
      log: app.log,
      items: new InboxItems({ bus, log: app.log, read: (conversationId, agentIds) => desk.inbox.entry(conversationId, agentIds) }),
      ...(options.realtime?.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.realtime.helloTimeoutMs }),
      ...(options.realtime?.heartbeatMs === undefined ? {} : { heartbeatMs: options.realtime.heartbeatMs }),
    },
    resyncListeners,
    clientAddress: addressOf,
    erasures: privacy,
    linkRevocations: conversationLinks,
  });
  // @n8n/chat's push channel (`/chat`): agents' replies reach the stock n8n widget live.
  await app.register(chatSocket, {
    chat: n8nChat,
    session: { engine, botTurns, signals, bus, log: app.log, conversations: desk.realtimeHooks, limits },
    resyncListeners,
    clientAddress: addressOf,
    ...(options.realtime?.heartbeatMs === undefined ? {} : { heartbeatMs: options.realtime.heartbeatMs }),
  });
  await app.register(homePage, { services, publicUrl: config.publicUrl });
  await app.register(widgetAssets, { services, ...(options.widgetDir === undefined ? {} : { dir: options.widgetDir }) });
  await app.register(widgetPreviewLinksApi, { services, links: new PreviewLinks(secret, config.publicUrl) });
  await app.register(conversationLinksApi, {
    db: database.db,
    links: conversationLinks,
    engine,
    widgets,
    blocks,
    tokens,
    audit: services.audit,
  });
  await app.register(uploadsApi, { services, files, publicUrl: config.publicUrl });
  await app.register(unfurlApi, {
    services,
    unfurler: new Unfurler({ allowPrivate: config.unfurlAllowPrivate, ...options.unfurl }),
    signer: new ImageSigner(secret, config.publicUrl),
  });
  await app.register(inboxFilesApi, { engine, inbox: desk.inbox, replies: desk.replies, files, publicUrl: config.publicUrl });
  await app.register(transcriptsApi, { services, publicUrl: config.publicUrl, mail: transcriptMail });
  await app.register(visitorTranscriptApi, { services, mail: transcriptMail });
  await app.register(consoleAssets, options.consoleDir === undefined ? {} : { dir: options.consoleDir });
  return { app, services, rebalancer };
}
