import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { WidgetSettings } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { VerifiedSession } from '../auth/session-tokens.js';
import type { ConversationRow } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { compiledRead } from '../store/compiled-read.js';
import { newId, nowIso } from '../store/ids.js';

/**
 * A session's conversation with the id of a withdrawn consent record that refuses its token (null when none), in one
 * read compiled once (store/compiled-read.ts): every visitor connect, REST call, poll and send asks. Tokens that
 * carry their record (`con`) are refused when that record is withdrawn; older tokens when a record of their
 * conversation was withdrawn when or after they were issued.
 */
const conversationWithConsent = compiledRead((db: Db, conversationId: string, consentId: string) =>
  withWithdrawnConsent(db, conversationId, (records) => records('consent_records.id', '=', consentId)),
);
const conversationWithdrawnSince = compiledRead((db: Db, conversationId: string, issuedAt: string) =>
  withWithdrawnConsent(db, conversationId, (records) =>
    records.and([records('consent_records.conversation_id', '=', conversationId), records('consent_records.withdrawn_at', '>=', issuedAt)]),
  ),
);

/** The conversation, and the id of a withdrawn consent record `which` names (null when none) as `withdrawn_consent`. */
function withWithdrawnConsent(
  db: Db,
  conversationId: string,
  which: (records: ExpressionBuilder<Database, 'consent_records' | 'conversations'>) => Expression<SqlBool>,
) {
  return db
    .selectFrom('conversations')
    .selectAll('conversations')
    .select((eb) =>
      eb
        .selectFrom('consent_records')
        .select('consent_records.id')
        .where('consent_records.withdrawn_at', 'is not', null)
        .where(which)
        .limit(1)
        .as('withdrawn_consent'),
    )
    .where('conversations.id', '=', conversationId);
}

/**
 * The consent gate's records (migration 0015). A widget with `privacy.consent` on shows its consent text before
 * anything else; the visitor's Accept is recorded here with the text's version (`accept`), before any session
 * exists, and the session endpoint admits only a session that brings such a record (`admitConsent`), so the gate is
 * the server's, not only the widget's. A withdrawal from the widget's menu stamps `withdrawn_at` (`withdraw`), and from
 * then on the session tokens it admitted are refused on every REST call and realtime connect (`sessionConversation`);
 * the caller closes the open links (Privacy.endSessions).
 */
export class ConsentRecords {
  constructor(private readonly db: Db) {}

  /** Records an acceptance of the widget's current consent version; its id goes with the session request. */
  async accept(widgetId: string, settings: WidgetSettings, version: string): Promise<string> {
    if (!settings.privacy.consent) throw new ApiError('PARLEY_ERR_CONSENT_NOT_ASKED');
    if (version !== settings.privacy.consentVersion) {
      throw new ApiError(
        'PARLEY_ERR_CONSENT_VERSION',
        `The widget's consent version is ${JSON.stringify(settings.privacy.consentVersion)}, not ${JSON.stringify(version)}.`,
        'version',
      );
    }
    const id = newId('cns');
    await this.db
      .insertInto('consent_records')
      .values({ id, widget_id: widgetId, conversation_id: null, version, accepted_at: nowIso(), withdrawn_at: null })
      .execute();
    return id;
  }

  /**
   * The visitor's session withdraws its consent: the record that admitted the session (the token's) and every record
   * tied to its conversation are stamped withdrawn (they keep when, not who). Their tokens are refused from now on.
   */
  async withdraw(session: VerifiedSession): Promise<void> {
    await this.db
      .updateTable('consent_records')
      .set({ withdrawn_at: nowIso() })
      .where((eb) =>
        session.consentId === null
          ? eb('conversation_id', '=', session.sub)
          : eb.or([eb('conversation_id', '=', session.sub), eb('id', '=', session.consentId)]),
      )
      .where('withdrawn_at', 'is', null)
      .execute();
  }

  /**
   * The session's conversation (undefined when it is gone), and a token whose consent was withdrawn refused, in one read:
   * every visitor REST call and realtime connect, poll and send asks it. Withdrawn means the record the token carries
   * (`con`) is withdrawn; a token without one (issued before tokens carried it) is refused when a record of its
   * conversation was withdrawn when or after it was issued.
   */
  async sessionConversation(session: VerifiedSession): Promise<ConversationRow | undefined> {
    const [row] =
      session.consentId === null
        ? await conversationWithdrawnSince(this.db, session.sub, new Date(session.issuedAt * 1000).toISOString())
        : await conversationWithConsent(this.db, session.sub, session.consentId);
    if (row === undefined) return undefined;
    const { withdrawn_consent: withdrawn, ...conversation } = row;
    if (withdrawn !== null) {
      throw new ApiError('PARLEY_ERR_AUTH_TOKEN_INVALID', 'The visitor withdrew their consent: this session has ended.');
    }
    return conversation;
  }
}

/**
 * A visitor deletes their conversation or data (self-service): the acceptance their browser keeps (the token's) is
 * kept on the server too, untied from what is erased, so their next message opens a session with it. Deleting is not
 * withdrawing; without this the erasure removed the record with the conversation it was tied to, and the widget's
 * next session was refused (PARLEY_ERR_CONSENT_REQUIRED). The record keeps no more than before: widget, version, times.
 */
export async function keepAcceptance(db: Db, consentId: string | null): Promise<void> {
  if (consentId === null) return;
  await db.updateTable('consent_records').set({ conversation_id: null }).where('id', '=', consentId).execute();
}

/**
 * In the session's transaction: a widget that asks for consent opens a conversation only for a `consentId` of this
 * widget, in its current version, not withdrawn (else PARLEY_ERR_CONSENT_REQUIRED, and nothing is created). Returns
 * what ties the record to the conversation once it exists (the latest conversation the acceptance admitted).
 */
export async function admitConsent(
  trx: Db,
  widgetId: string,
  settings: WidgetSettings,
  consentId: string | undefined,
): Promise<(conversationId: string) => Promise<void>> {
  if (!settings.privacy.consent) return async () => undefined;
  const record =
    consentId === undefined
      ? undefined
      : await trx
          .selectFrom('consent_records')
          .selectAll()
          .where('id', '=', consentId)
          .where('widget_id', '=', widgetId)
          .executeTakeFirst();
  if (record === undefined || record.withdrawn_at !== null || record.version !== settings.privacy.consentVersion) {
    const why =
      record === undefined
        ? consentId === undefined
          ? 'The session body has no consentId.'
          : 'No acceptance of this widget has this consentId.'
        : record.withdrawn_at !== null
          ? 'This acceptance was withdrawn.'
          : `This acceptance is of version ${JSON.stringify(record.version)}; the widget now asks for ${JSON.stringify(settings.privacy.consentVersion)}.`;
    throw new ApiError('PARLEY_ERR_CONSENT_REQUIRED', `This widget asks for consent first. ${why}`, 'consentId');
  }
  return async (conversationId) => {
    await trx.updateTable('consent_records').set({ conversation_id: conversationId }).where('id', '=', record.id).execute();
  };
}
