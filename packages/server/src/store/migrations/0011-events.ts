import { sql, type Kysely } from 'kysely';

/**
 * Reports (docs/reports.md). Three tables, none holding a visitor's words or contact data:
 *
 * - `events`: append-only, one row per thing that happened (REPORT_EVENT_TYPES in the protocol): a
 *   message stored (written in the message's own transaction), a handoff, a resolution, a rating, a
 *   widget loaded or opened (beacons)… People are referenced by id only (`contact_id`, `agent_id`), and a
 *   conversation's events go with it (cascade), so erasing a person leaves nothing of theirs here.
 * - `report_conversations`: one row per conversation, kept up to date as its events arrive (the
 *   recorder): when it started, was handed over, first answered by a human, resolved, rated — the
 *   figures of the conversation reports come from here, never from messages.
 * - `report_counts`: how many events of each type per widget and UTC hour (`widget_id` '' = all widgets),
 *   so a year of message counts is a sum over at most 8,784 rows per type.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('widget_id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text', (c) => c.references('conversations.id').onDelete('cascade'))
    .addColumn('contact_id', 'text')
    .addColumn('team_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('bot_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('value', 'double precision')
    .execute();
  // The cascade and a conversation's own history.
  await db.schema.createIndex('events_conversation').on('events').column('conversation_id').execute();
  await db.schema.createIndex('events_contact').on('events').column('contact_id').where(sql.ref('contact_id'), 'is not', null).execute();
  await db.schema
    .createIndex('events_agent_type_at')
    .on('events')
    .columns(['agent_id', 'type', 'at'])
    .where(sql.ref('agent_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('events_team_type_at')
    .on('events')
    .columns(['team_id', 'type', 'at'])
    .where(sql.ref('team_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('report_conversations')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('widget_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('bot_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    /** Quarter-hours since the epoch: conversations are grouped by it, then by local day or hour in JS. */
    .addColumn('started_bucket', 'integer', (c) => c.notNull())
    .addColumn('handoff_at', 'text')
    .addColumn('first_response_at', 'text')
    .addColumn('first_response_s', 'integer')
    .addColumn('first_response_bh_s', 'integer')
    .addColumn('resolved_at', 'text')
    .addColumn('resolution_s', 'integer')
    .addColumn('resolution_bh_s', 'integer')
    .addColumn('resolved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reopened', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_visitor_at', 'text')
    .addColumn('rating', 'integer')
    .addColumn('rated_at', 'text')
    /** 1 when the rating came with a comment (the comment itself stays in the rating's message). */
    .addColumn('rating_commented', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rating_message_id', 'text')
    .execute();
  // Covering indexes: a year of one widget's (or every widget's) conversation figures is read from the index
  // alone, in start order, without touching the table (SQLite and PostgreSQL index-only scans alike).
  const figures = [
    'started_bucket',
    'handoff_at',
    'first_response_at',
    'resolved_at',
    'resolved',
    'reopened',
    'last_visitor_at',
    'first_response_s',
    'first_response_bh_s',
    'resolution_s',
    'resolution_bh_s',
  ];
  await db.schema
    .createIndex('report_conversations_widget')
    .on('report_conversations')
    .columns(['widget_id', 'started_at', ...figures])
    .execute();
  await db.schema
    .createIndex('report_conversations_started')
    .on('report_conversations')
    .columns(['started_at', ...figures])
    .execute();
  await db.schema.createIndex('report_conversations_team').on('report_conversations').columns(['team_id', 'started_at']).execute();
  await db.schema.createIndex('report_conversations_agent').on('report_conversations').columns(['agent_id', 'started_at']).execute();
  const rated = ['rated_at', 'rating', 'rating_commented'];
  await db.schema
    .createIndex('report_conversations_rated_widget')
    .on('report_conversations')
    .columns(['widget_id', ...rated])
    .where(sql.ref('rating'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('report_conversations_rated')
    .on('report_conversations')
    .columns(rated)
    .where(sql.ref('rating'), 'is not', null)
    .execute();
  // The conversations a human has not answered yet: few, counted and listed (oldest handoff first) from this alone.
  await db.schema
    .createIndex('report_conversations_unanswered')
    .on('report_conversations')
    .columns([
      'handoff_at',
      'conversation_id',
      'widget_id',
      'started_at',
      'team_id',
      'agent_id',
      'resolved',
      'resolved_at',
      'last_visitor_at',
    ])
    .where(sql<boolean>`handoff_at is not null and first_response_at is null`)
    .execute();

  await db.schema
    .createTable('report_counts')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('widget_id', 'text', (c) => c.notNull())
    /** Hours since the epoch (UTC). */
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_counts_pk', ['type', 'widget_id', 'hour'])
    .execute();
  // What the reports read: one widget's (or '', all widgets') hours in order, the count in the index.
  await db.schema.createIndex('report_counts_widget_hour').on('report_counts').columns(['widget_id', 'hour', 'type', 'n']).execute();
}
