import type { Generated } from 'kysely';

/**
 * Table types. Timestamps are ISO-8601 text and JSON is text on both dialects, so SQLite and
 * PostgreSQL return identical values and every query behaves the same on both.
 */
export interface Database {
  api_keys: ApiKeysTable;
  bots: BotsTable;
  blueprints: BlueprintsTable;
  widgets: WidgetsTable;
  widget_meta: WidgetMetaTable;
  widget_language_maps: WidgetLanguageMapsTable;
  widget_setups: WidgetSetupsTable;
  widget_versions: WidgetVersionsTable;
  widget_drafts: WidgetDraftsTable;
  blueprint_versions: BlueprintVersionsTable;
  contacts: ContactsTable;
  contact_attributes: ContactAttributesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  read_cursors: ReadCursorsTable;
  agents: AgentsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  console_sessions: ConsoleSessionsTable;
  conversation_states: ConversationStatesTable;
  conversation_activity: ConversationActivityTable;
  visitor_blocks: VisitorBlocksTable;
  visitor_addresses: VisitorAddressesTable;
  events: EventsTable;
  report_conversations: ReportConversationsTable;
  report_counts: ReportCountsTable;
  report_rollups: ReportRollupsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  audit_log: AuditLogTable;
  job_leases: JobLeasesTable;
  consent_records: ConsentRecordsTable;
  campaigns: CampaignsTable;
  campaign_counts: CampaignCountsTable;
  conversation_calls: ConversationCallsTable;
  conversation_links: ConversationLinksTable;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export interface BotsTable {
  id: string;
  name: string;
  kind: string;
  config: string;
  secrets: string;
  meta: string;
  created_at: string;
  updated_at: string;
}

export interface BlueprintsTable {
  id: string;
  name: string;
  description: string;
  settings: string;
  /** Denormalised from settings.botId so "is this bot in use" is an indexed query. */
  bot_id: string | null;
  meta: string;
  /** The newest blueprint_versions number (migration 0017). */
  version: number;
  created_at: string;
  updated_at: string;
}

export interface WidgetsTable {
  id: string;
  name: string;
  description: string;
  blueprint_id: string | null;
  settings: string;
  bot_id: string | null;
  meta: string;
  identity_secret: string;
  /** The published widget_versions number: this row is that version's document (migration 0017). */
  version: number;
  created_at: string;
  updated_at: string;
}

/** Who made a version or draft: the audit log's actor fields (migration 0017). */
interface AuthoredColumns {
  author_kind: string;
  author_id: string | null;
  author_name: string | null;
  message: string;
}

/** An immutable published state of a widget's own configuration (migration 0017, widgets/config-versions.ts). */
export interface WidgetVersionsTable extends AuthoredColumns {
  widget_id: string;
  number: number;
  /** The config document (widgets/config-document.ts), JSON. */
  document: string;
  blueprint_id: string | null;
  blueprint_version: number | null;
  created_at: string;
}

/** A widget's next version while it is reviewed; never served to visitors. */
export interface WidgetDraftsTable extends AuthoredColumns {
  widget_id: string;
  document: string;
  /** The published version the draft was started from. */
  base_version: number;
  updated_at: string;
}

export interface BlueprintVersionsTable extends AuthoredColumns {
  blueprint_id: string;
  number: number;
  document: string;
  created_at: string;
}

export interface WidgetMetaTable {
  widget_id: string;
  key: string;
  value: string;
}

export interface WidgetLanguageMapsTable {
  widget_id: string;
  language: string;
  strings: string;
  updated_at: string;
}

export interface WidgetSetupsTable {
  widget_id: string;
  generation: number;
  state: string;
  languages: string;
  failures: string;
  started_at: string;
  completed_at: string | null;
}

export interface ContactsTable {
  id: string;
  widget_id: string;
  external_id: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
  /** Migration 0010 (contacts/): when a session of theirs was first and last opened. */
  first_seen_at: Generated<string | null>;
  last_seen_at: Generated<string | null>;
  /** JSON `[{ url, title?, at }]`, newest first, bounded (contacts/contact-pages.ts). */
  pages: Generated<string>;
  /** From the User-Agent: browser, OS and device class (desktop | mobile | tablet); no location. */
  browser: Generated<string | null>;
  os: Generated<string | null>;
  device: Generated<string | null>;
  /** The contact this one was merged into: its conversations moved there, this id resolves to it. */
  merged_into: Generated<string | null>;
}

/** A contact's custom attributes, one row per key (migration 0010). */
export interface ContactAttributesTable {
  contact_id: string;
  key: string;
  /** The value as text: what a filter compares. */
  value: string;
  /** string | number | boolean */
  kind: string;
}

export interface ConversationsTable {
  id: string;
  widget_id: string;
  contact_id: string | null;
  status: string;
  identity_user_id: string | null;
  meta: string;
  last_seq: Generated<number>;
  /** low | normal | high | urgent (migration 0008; a routing rule sets it). */
  priority: Generated<string>;
  /** When the widget's routing rules were evaluated for it (once, on the first visitor message). */
  routed_at: Generated<string | null>;
  /** The visitor's first conversation, on one they started from another's session (migration 0020); null otherwise. */
  visitor_key: Generated<string | null>;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  author_role: string;
  author_id: string;
  author_name: string;
  type: string;
  text: string;
  payload: string | null;
  client_id: string | null;
  created_at: string;
  /** Live translation (migration 0019): JSON { from, to, text } or { from, to, failed: true }; null when not translated. */
  translation?: string | null | undefined;
}

export interface AgentsTable {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  /** What the agent chose; `online` reads as `away` once last_seen_at is old (see agents-store). */
  status: string;
  capacity: number;
  last_seen_at: string | null;
  /** Round robin assigns to the online agent assigned longest ago. */
  last_assigned_at: string | null;
  /** The language the agent reads and writes in (migration 0019, live translation); null: never translated for. */
  language: string | null;
  created_at: string;
  updated_at: string;
}

/** Who owns a conversation (engine/ownership.ts); no row = the bot. */
export interface ConversationStatesTable {
  conversation_id: string;
  /** bot | queued | human | resolved */
  owner: string;
  assignee_id: string | null;
  team_id: string | null;
  snoozed_until: string | null;
  /** When the conversation last joined the human queue: waiting time and queue order. */
  queued_at: string | null;
  /** 1 while no human can answer (no agent online, outside business hours): replies go out by email too. */
  offline: number;
  updated_at: string;
}

export interface TeamsTable {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface TeamMembersTable {
  team_id: string;
  agent_id: string;
}

export interface ConsoleSessionsTable {
  token_hash: string;
  agent_id: string;
  expires_at: string;
  created_at: string;
}

export interface ReadCursorsTable {
  conversation_id: string;
  reader_role: string;
  reader_id: string;
  seq: number;
  updated_at: string;
}

export interface ConversationActivityTable {
  /** `act_<ULID>`: sorts by time. */
  id: string;
  conversation_id: string;
  /** An `InboxActivityKind` (protocol). */
  kind: string;
  /** JSON: actor, agent, previousAgent, team, until (names copied when written). */
  detail: string;
  created_at: string;
}

export interface VisitorBlocksTable {
  /** `blk_<ULID>`: sorts by time. */
  id: string;
  /** visitor | address */
  scope: string;
  /** null: every widget. */
  widget_id: string | null;
  /** `user:<userId>`, `conv:<conversationId>`, or the address key (IPv6 by its /64). */
  subject: string;
  conversation_id: string | null;
  created_by_id: string;
  created_by_name: string;
  created_at: string;
  /** null: until an agent lifts it. */
  expires_at: string | null;
  reason: string | null;
}

/** The address key a conversation's visitor last opened a session from (for address blocks). */
export interface VisitorAddressesTable {
  conversation_id: string;
  address: string;
  updated_at: string;
}

/** Outbound webhooks (migration 0012, webhooks/). `events`: JSON array of event types. */
export interface WebhookSubscriptionsTable {
  /** `whk_<ULID>` */
  id: string;
  url: string;
  description: string;
  events: string;
  widget_id: string | null;
  include_notes: number;
  enabled: number;
  /** `gone`: the endpoint answered 410 and the subscription disabled itself. */
  disabled_reason: string | null;
  max_in_flight: number;
  /** `whsec_<base64>` */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  consecutive_failures: Generated<number>;
  circuit_open_until: string | null;
  created_at: string;
  updated_at: string;
}

/** The outbox: one row per subscription and event, written in the event's transaction. */
export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  /** `evt_<ULID>`: the webhook-id header. */
  event_id: string;
  event_type: string;
  order_key: string;
  /** The body as sent (JSON text). */
  payload: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  locked_until: string | null;
  last_status: number | null;
  replay_of: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptsTable {
  /** `wha_<ULID>` */
  id: string;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
  /** At most 1,024 characters of the response body. */
  response_body: string;
  created_at: string;
}

/** Append-only (migration 0011): what happened, for reports. References only, never words or contact data. */
export interface EventsTable {
  id: string;
  /** A ReportEventType (protocol). */
  type: string;
  at: string;
  widget_id: string;
  conversation_id: string | null;
  contact_id: string | null;
  team_id: string | null;
  agent_id: string | null;
  bot_id: string | null;
  message_id: string | null;
  /** A rating's score, a duration in seconds… */
  value: number | null;
}

/** One row per conversation, kept by the reports recorder as its events arrive. */
export interface ReportConversationsTable {
  conversation_id: string;
  widget_id: string;
  team_id: string | null;
  agent_id: string | null;
  bot_id: string | null;
  started_at: string;
  /** Quarter-hours since the epoch. */
  started_bucket: number;
  handoff_at: string | null;
  first_response_at: string | null;
  first_response_s: number | null;
  first_response_bh_s: number | null;
  resolved_at: string | null;
  resolution_s: number | null;
  resolution_bh_s: number | null;
  /** 1 while resolved (a reopen sets 0). */
  resolved: Generated<number>;
  reopened: Generated<number>;
  /** The visitor's last message while the conversation waits for a human's first answer (not moved after it: only the unanswered are asked). */
  last_visitor_at: string | null;
  rating: number | null;
  rated_at: string | null;
  /** 1 when the rating has a comment. */
  rating_commented: Generated<number>;
  rating_message_id: string | null;
}

/** Events per type, widget ('' = every widget) and UTC hour (hours since the epoch). */
export interface ReportCountsTable {
  type: string;
  widget_id: string;
  hour: number;
  n: number;
}

/** Append-only (migration 0014, audit/): who changed what. `detail` is JSON without personal data. */
export interface AuditLogTable {
  /** `aud_<ULID>` */
  id: string;
  at: string;
  /** agent | api_key | system | visitor */
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  /** `<target>.<verb>`, e.g. widget.updated */
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string;
}

/** Cluster-wide jobs (migration 0014): the node holding the lease until `expires_at` runs the job. */
export interface JobLeasesTable {
  name: string;
  holder: string | null;
  expires_at: string;
  last_run_at: string | null;
}

/** The consent gate (migration 0015, privacy/consent.ts): a visitor's acceptance of a widget's consent text. No address. */
export interface ConsentRecordsTable {
  /** `cns_<ULID>`: the widget sends it with the session request. */
  id: string;
  widget_id: string;
  /** The latest conversation this acceptance admitted; null until a session used it. */
  conversation_id: string | null;
  /** The widget's `privacy.consentVersion` accepted. */
  version: string;
  accepted_at: string;
  withdrawn_at: string | null;
}

/**
 * Hourly totals per widget ('' = every widget) and UTC hour (migration 0013, reports/report-rollups.ts):
 * conversation figures by the hour the conversation started, ratings by the hour rated, message and widget
 * counts by the hour they happened. Counts and sums only: no reference to a conversation or a person.
 */
export interface ReportRollupsTable {
  widget_id: string;
  hour: number;
  conversations: number;
  resolved_by_bot: number;
  handed: number;
  resolved: number;
  reopened: number;
  first_responses: number;
  first_response_s: number;
  first_response_bh_s: number;
  resolutions: number;
  resolution_s: number;
  resolution_bh_s: number;
  rated_1: number;
  rated_2: number;
  rated_3: number;
  rated_4: number;
  rated_5: number;
  rated_commented: number;
  /** The conversation figures of those started in the hour's first 15, 30, 45 minutes. */
  conversations_q1: number;
  conversations_q2: number;
  conversations_q3: number;
  resolved_by_bot_q1: number;
  resolved_by_bot_q2: number;
  resolved_by_bot_q3: number;
  handed_q1: number;
  handed_q2: number;
  handed_q3: number;
  resolved_q1: number;
  resolved_q2: number;
  resolved_q3: number;
  reopened_q1: number;
  reopened_q2: number;
  reopened_q3: number;
  visitor_messages: number;
  bot_messages: number;
  agent_messages: number;
  offline_emails: number;
  widget_loads: number;
  widget_opens: number;
}

/** Proactive messages (migration 0016, campaigns/): the filtered fields are columns, the rest is the JSON `definition`. */
export interface CampaignsTable {
  id: string;
  widget_id: string;
  name: string;
  enabled: number;
  priority: number;
  starts_at: string | null;
  ends_at: string | null;
  definition: string;
  created_at: string;
  updated_at: string;
}

/** Shown, opened and replied counts per campaign and UTC hour (`2026-12-07T08`), from the widget's beacons. */
export interface CampaignCountsTable {
  campaign_id: string;
  hour: string;
  widget_id: string;
  shown: number;
  opened: number;
  replied: number;
}

/** The one open (ringing or active) call of a conversation (migration 0018, realtime/calls/); gone when it ends. */
export interface ConversationCallsTable {
  conversation_id: string;
  call_id: string;
  kind: string;
  state: string;
  caller_role: string;
  caller_id: string;
  caller_name: string;
  caller_link: string;
  callee_role: string | null;
  callee_id: string | null;
  callee_name: string | null;
  callee_link: string | null;
  created_at: string;
  accepted_at: string | null;
}

/** Signed links that open one conversation full page (migration 0021, conversation-links/). */
export interface ConversationLinksTable {
  /** `lnk_<ULID>`. */
  id: string;
  conversation_id: string;
  created_by: 'visitor' | 'agent' | 'system';
  /** The agent who made it (created_by 'agent'); null otherwise. */
  agent_id: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}
