import type { AgentService } from './agents/agent-service.js';
import type { ChallengeGate } from './challenge/challenge-gate.js';
import type { TeamService } from './agents/team-service.js';
import type { AgentDesk } from './engine/agent-desk.js';
import type { BotService } from './bots/bot-service.js';
import type { BotTurns } from './engine/bot-turns.js';
import type { ConversationEngine } from './engine/conversation-engine.js';
import type { ConversationSignals } from './engine/conversation-signals.js';
import type { SessionService } from './engine/session-service.js';
import type { ApiKeysStore } from './store/api-keys-store.js';
import type { OpenDatabase } from './store/database.js';
import type { BlueprintService } from './widgets/blueprint-service.js';
import type { LanguageMaps } from './widgets/language-maps.js';
import type { PublicConfigCache } from './widgets/public-config-cache.js';
import type { WidgetService } from './widgets/widget-service.js';
import type { WidgetSetup } from './widgets/widget-setup.js';
import type { VisitorLimits } from './limits/visitor-limits.js';
import type { Blocklist } from './blocks/index.js';
import type { TranscriptMail } from './transcripts/transcript-mail.js';
import type { Webhooks } from './webhooks/index.js';
import type { ContactService } from './contacts/index.js';
import type { FileStore } from './files/file-store.js';
import type { Privacy } from './privacy/index.js';
import type { AuditLog } from './audit/index.js';
import type { RetentionJob } from './retention/index.js';

/** What route plugins may use. Built once in app.ts, the only place that picks implementations. */
export interface Services {
  readonly database: OpenDatabase;
  readonly apiKeys: ApiKeysStore;
  readonly widgets: WidgetService;
  readonly blueprints: BlueprintService;
  readonly bots: BotService;
  readonly setup: WidgetSetup;
  readonly languageMaps: LanguageMaps;
  /** Visitors' public widget configs, kept in memory and dropped on every node when they change. */
  readonly publicConfig: PublicConfigCache;
  readonly sessions: SessionService;
  readonly engine: ConversationEngine;
  readonly botTurns: BotTurns;
  readonly signals: ConversationSignals;
  readonly agents: AgentService;
  readonly teams: TeamService;
  /** Ownership, routing, presence, the inbox, agents' replies and offline mail. */
  readonly desk: AgentDesk;
  /** Proof of work for new sessions above a widget's anomaly thresholds (challenge/). */
  readonly challenge: ChallengeGate;
  /** Volume limits on public paths, per session, widget and address (limits/). */
  readonly limits: VisitorLimits;
  /** Agents' blocks of visitors and addresses, kept in memory and dropped on every node when they change (blocks/). */
  readonly blocks: Blocklist;
  /** Transcripts by email: on request (agents, visitors) and when a conversation is resolved. */
  readonly transcripts: TranscriptMail;
  /** Outbound webhooks: subscriptions, the outbox, the delivery worker and its log (webhooks/). */
  readonly webhooks: Webhooks;
  /** Contacts: list, edit, merge, CSV; the visits sessions and the contact form record (contacts/). */
  readonly contacts: ContactService;
  /** Uploaded files (local disk by default): the files port. */
  readonly files: FileStore;
  /** Access and erasure (privacy/): a contact's export and erasure, a visitor's own data, conversations' erasure (retention uses it). */
  readonly privacy: Privacy;
  /** Who changed what (audit/): append-only; `record` inside the change's transaction when there is one. */
  readonly audit: AuditLog;
  /** The retention job (retention/): hourly on one node; `preview()` is the dry run, `run()` one run now. */
  readonly retention: RetentionJob;
}

export interface RouteOptions {
  readonly services: Services;
}
