import type { ContactInput, Message, SessionCreate, SessionCreated, WidgetSettings } from '@parley/protocol';
import { SESSION_DURATION_MAX_S, SESSION_DURATION_MIN_S } from '@parley/protocol';
import { verifyIdentityHash } from '../auth/identity.js';
import type { Blocklist } from '../blocks/index.js';
import type { ContactService } from '../contacts/index.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import { ApiError } from '../http/api-error.js';
import { admitConsent } from '../privacy/consent.js';
import type { Db } from '../store/database.js';
import { minimiseMeta } from '../privacy/user-agent-meta.js';
import { conversationsStore as store, isUniqueViolation, type ConversationRow } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import type { BotsStore } from '../store/bots-store.js';
import type { CampaignService } from '../campaigns/index.js';
import type { LanguageMaps } from '../widgets/language-maps.js';
import { resolveLanguage } from '../widgets/language-map.js';
import type { WidgetService } from '../widgets/widget-service.js';
import type { BotTurns } from './bot-turns.js';
import type { ConversationEngine } from './conversation-engine.js';
import { withoutNotes } from './private-notes.js';

export interface SessionRequest {
  readonly widgetId: string;
  readonly input: SessionCreate;
  readonly origin: string | undefined;
  /** A server calling with an admin key may create sessions without a browser Origin. */
  readonly trustedCaller: boolean;
  /** The client address; a trusted caller's (a site's server) is neither blocked nor remembered as the visitor's. */
  readonly address?: string;
  /**
   * Several conversations (visitor-conversations.ts): a new conversation for the visitor of this session's one,
   * with its identity, contact and consent, never a resumed one. Its identity was verified when that one opened.
   */
  readonly startFrom?: { readonly conversation: ConversationRow; readonly visitorKey: string; readonly consentId: string | null };
}

/**
 * `POST /v1/widgets/{id}/sessions`: checks origin and identity, creates (or resumes) the
 * conversation with its contact and seeded messages in one transaction, lets the bot answer the
 * seeds, and issues a token that reaches that one conversation only.
 */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly widgets: WidgetService,
    private readonly bots: BotsStore,
    private readonly languageMaps: LanguageMaps,
    private readonly engine: ConversationEngine,
    private readonly tokens: SessionTokens,
    private readonly botTurns: BotTurns,
    /** Agents' blocks: a blocked identity or address gets no session. */
    private readonly blocks?: Blocklist,
    /** Records the visit (last seen, page, device, the page's attributes) on the visitor's contact. */
    private readonly contacts?: ContactService,
    /** The campaign a visitor answers (the body's `campaignId`): its message opens the conversation. */
    private readonly campaigns?: Pick<CampaignService, 'opening'>,
  ) {}

  async create(request: SessionRequest): Promise<SessionCreated> {
    const { row: widget, effective } = await this.widgets.resolve(request.widgetId);
    this.widgets.assertOrigin(effective, request.origin, request.trustedCaller);
    const seeds = checkSeeds(request.input.messages ?? []);
    const bot = await this.requireBot(effective);
    const identity = request.input.identity;
    const from = request.startFrom;
    const userId = identity?.userId ?? from?.conversation.identity_user_id ?? undefined;
    const consentInput = from === undefined ? request.input.consentId : (from.consentId ?? undefined);
    if (identity !== undefined && !verifyIdentityHash(widget.identity_secret, identity.userId, identity.userHash)) {
      throw new ApiError(
        'PARLEY_ERR_AUTH_IDENTITY_INVALID',
        `The userHash does not match the userId ${JSON.stringify(identity.userId)}.`,
        'identity.userHash',
      );
    }
    const address = request.trustedCaller ? undefined : request.address;
    await this.blocks?.assertAllowed({
      widgetId: widget.id,
      visitor: userId === undefined ? undefined : `user:${userId}`,
      address,
    });
    const language = resolveLanguage(request.input.language, effective);
    const strings = await this.languageMaps.strings(widget.id, language, effective);
    const durationS = request.input.durationInSeconds ?? defaultDuration(effective);
    // The campaign the visitor answers (docs/campaigns.md), if still live: its message, not the greeting, opens a new
    // conversation, as the widget showed it. One that ended since is ignored: the greeting opens it, as without one.
    const { campaignId } = request.input;
    const campaign = campaignId === undefined ? undefined : await this.campaigns?.opening(widget.id, campaignId);
    // startFirst: the bot's own first turn opens a new conversation; the widget's greeting is kept for a bot that says nothing.
    const botStarts = effective.startFirst && seeds.length === 0 && campaign === undefined;
    // The greeting the widget showed: the returning visitors' one when it says so and the widget has one.
    const greeting =
      request.input.greeting === 'returning' && effective.greeting.returning !== '' ? effective.greeting.returning : strings.initial;
    // The greeting is the widget's own text, signed with the bot's name as its replies are (the widget shows that
    // name above it before the conversation exists, from its config), so the visitor sees one sender throughout.
    const botAuthor = { role: 'bot' as const, id: bot.id, name: bot.name || strings.title };
    const greetingInput = (conversationId: string) => ({ conversationId, author: botAuthor, type: 'text' as const, text: greeting });
    // A campaign's message keeps its sender (the named agent, or the bot) and names the campaign in its payload (id,
    // and its name when shown, which a later rename leaves as it was), so the console can say so.
    const campaignInput = (conversationId: string, opening: NonNullable<typeof campaign>) => {
      const { text, quickReplies } = opening.message;
      const named = { campaignId, campaignName: opening.name };
      const payload = quickReplies.length > 0 ? { replies: quickReplies, ...named } : named;
      const author = opening.agent === undefined ? botAuthor : { role: 'agent' as const, ...opening.agent };
      return { conversationId, author, type: quickReplies.length > 0 ? ('quick_replies' as const) : ('text' as const), text, payload };
    };
    const expiresAt = new Date(Date.now() + durationS * 1000);

    const openConversation = async (trx: Db): Promise<{ conversationId: string; resumed: boolean; appended: Message[] }> => {
      const appended: Message[] = [];
      // A widget that asks for consent opens nothing without an acceptance of its current version (the gate is the server's too).
      const tieConsent = await admitConsent(trx, widget.id, effective, consentInput);
      // The contact first: writing its row locks it, so concurrent sessions of one identity queue here
      // and each then sees the conversation the one before it opened.
      const upserted = from === undefined ? await upsertContact(trx, widget.id, request.input.contact, identity?.userId) : null;
      let contactId = upserted?.id ?? from?.conversation.contact_id ?? null;
      const resumable = identity === undefined ? undefined : await store.latestOpenForIdentity(trx, widget.id, identity.userId);
      const now = nowIso();
      let conversationId = resumable?.id;
      if (conversationId === undefined) {
        conversationId = newId('conv');
        const meta = minimiseMeta({ ...request.input.meta, language, app: 'widget', widgetId: widget.id });
        await store.insertConversation(trx, {
          id: conversationId,
          widget_id: widget.id,
          contact_id: contactId,
          status: 'open',
          identity_user_id: userId ?? null,
          meta: JSON.stringify(meta),
          visitor_key: from?.visitorKey ?? null,
          created_at: now,
          updated_at: now,
        });
        await this.engine.webhooks.conversationCreated(trx, {
          id: conversationId,
          widget_id: widget.id,
          identity_user_id: userId ?? null,
          created_at: now,
        });
        if (campaign !== undefined) appended.push((await this.engine.append(campaignInput(conversationId, campaign), trx)).message);
        else if (greeting !== '' && !botStarts) appended.push((await this.engine.append(greetingInput(conversationId), trx)).message);
      } else if (request.input.meta !== undefined) {
        // The server's own keys stay as stored: a page's meta must not relabel the conversation's app, widget or language.
        const stored = readJson<Record<string, string>>(resumable?.meta ?? '{}');
        const meta = minimiseMeta({
          ...stored,
          ...request.input.meta,
          language: stored['language'] ?? language,
          app: 'widget',
          widgetId: widget.id,
        });
        await trx
          .updateTable('conversations')
          .set({ meta: JSON.stringify(meta), updated_at: now })
          .where('id', '=', conversationId)
          .execute();
      }
      // The visit on the visitor's contact (last seen, page, device); a visitor the page describes (setAttributes) becomes one.
      if (this.contacts !== undefined) {
        const visit = this.contacts.visitFromMeta(request.input.meta ?? {});
        if (contactId !== null) await this.contacts.recordVisit(trx, contactId, visit);
        else if (Object.keys(visit.attributes ?? {}).length > 0) {
          const conversation = {
            id: conversationId,
            widget_id: widget.id,
            contact_id: null,
            meta: JSON.stringify(request.input.meta),
            created_at: now,
          };
          contactId = await this.contacts.ensureForConversation(trx, conversation);
        }
      }
      // contact.created / contact.updated webhooks, after the visit so they carry first and last seen.
      if (upserted?.change === 'created') await this.contacts?.events.created(trx, upserted.id);
      if (upserted?.change === 'updated') await this.contacts?.events.updated(trx, upserted.id);
      // Where the visitor came from, for an agent's address block (a resumed identity: where they are now).
      if (address !== undefined) await this.blocks?.rememberAddress(trx, conversationId, address);
      const visitor = { role: 'visitor' as const, id: contactId ?? conversationId, name: request.input.contact?.name ?? 'Visitor' };
      for (const text of seeds)
        appended.push((await this.engine.append({ conversationId, author: visitor, type: 'text', text }, trx)).message);
      await tieConsent(conversationId);
      return { conversationId, resumed: resumable !== undefined, appended };
    };
    // Two first sessions of one identity at once (two tabs) race to insert its contact: the loser runs
    // again once the winner has committed, and then resumes the winner's conversation.
    const opened = await this.db
      .transaction()
      .execute(openConversation)
      .catch((error: unknown) => {
        if (identity === undefined || !isUniqueViolation(error)) throw error;
        return this.db.transaction().execute(openConversation);
      });

    if (!opened.resumed) this.engine.reports.record({ type: 'session_started', conversationId: opened.conversationId, botId: bot.id });
    // Published only now that the transaction committed: another tab of a resumed conversation may be listening.
    await this.engine.announce(opened.appended);
    if (seeds.length > 0) await this.botTurns.runBot(opened.conversationId, bot.id, language);
    else if (botStarts && !opened.resumed) {
      const said = await this.botTurns.startConversation(opened.conversationId, bot.id, language);
      if (said.length === 0 && greeting !== '') await this.engine.append(greetingInput(opened.conversationId));
    }
    // The consent record rides in the token: its withdrawal refuses the token (privacy/consent.ts).
    const consentId = effective.privacy.consent ? (consentInput ?? null) : null;
    const token = await this.tokens.issue({ sub: opened.conversationId, wid: widget.id, cid: null }, expiresAt, consentId);
    return {
      token,
      conversationId: opened.conversationId,
      expiresAt: expiresAt.toISOString(),
      // A resumed conversation may hold private notes: a visitor never gets them.
      messages: withoutNotes(await this.engine.messagesAfter(opened.conversationId, 0)),
      resumed: opened.resumed,
    };
  }

  /**
   * A new token for a conversation that already exists (several conversations: the caller checked it is the visitor's),
   * with the widget's session duration and the consent record of the token that asked; nothing is written.
   * On a widget that asks for consent the token carries an acceptance (`con`), so a withdrawal refuses it exactly, not
   * by its issue time: the asking token's, else (a token from before tokens carried one) the conversation's current one.
   */
  async resume(widgetId: string, conversationId: string, consentId: string | null): Promise<SessionCreated> {
    const { effective } = await this.widgets.resolve(widgetId);
    const expiresAt = new Date(Date.now() + defaultDuration(effective) * 1000);
    const con = effective.privacy.consent ? (consentId ?? (await this.currentAcceptance(conversationId))) : null;
    const token = await this.tokens.issue({ sub: conversationId, wid: widgetId, cid: null }, expiresAt, con);
    const messages = withoutNotes(await this.engine.messagesAfter(conversationId, 0));
    return { token, conversationId, expiresAt: expiresAt.toISOString(), messages, resumed: true };
  }

  /** The latest acceptance tied to the conversation that is not withdrawn, if any. */
  private async currentAcceptance(conversationId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('consent_records')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .where('withdrawn_at', 'is', null)
      .orderBy('accepted_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id ?? null;
  }

  private async requireBot(effective: WidgetSettings): Promise<{ id: string; name: string }> {
    if (effective.botId === null) {
      throw new ApiError(
        'PARLEY_ERR_WIDGET_NO_BOT',
        'This widget has no bot to answer visitors; set botId on the widget or its blueprint.',
      );
    }
    const bot = await this.bots.get(effective.botId);
    if (bot === undefined) {
      throw new ApiError('PARLEY_ERR_WIDGET_NO_BOT', `This widget's bot ${effective.botId} no longer exists; set another botId.`);
    }
    return bot;
  }
}

/** Only user turns may be seeded: seeded bot or system turns would let a page inject instructions into the bot. */
function checkSeeds(messages: ReadonlyArray<{ type: string; text: string }>): string[] {
  return messages.map((message, index) => {
    if (message.type !== 'user') {
      throw new ApiError(
        'PARLEY_ERR_SESSION_MESSAGE_AUTHOR',
        `messages.${index}.type is ${JSON.stringify(message.type)}; only "user" messages can seed a session.`,
        `messages.${index}.type`,
      );
    }
    return message.text;
  });
}

/** The widget's `sessionDuration` in seconds; a value stored before its bounds became the session's (1 minute) is raised to 30 minutes. */
function defaultDuration(effective: WidgetSettings): number {
  return Math.min(SESSION_DURATION_MAX_S, Math.max(SESSION_DURATION_MIN_S, Math.round(effective.sessionDuration / 1000)));
}

/**
 * A verified identity owns one contact per widget, found by its user id and updated with what the site sends.
 * Without identity the details are stored as a new contact: an unverified visitor must not be able
 * to attach themselves to someone else's record by typing their email. `change`: whether the contact
 * was created, its details changed (updated), or neither (null: a returning identity sending the same details).
 */
async function upsertContact(
  db: Db,
  widgetId: string,
  input: ContactInput | undefined,
  userId: string | undefined,
): Promise<{ id: string; change: 'created' | 'updated' | null } | null> {
  const details = {
    ...(input?.name === undefined ? {} : { name: input.name }),
    ...(input?.email === undefined ? {} : { email: input.email.toLowerCase() }),
    ...(input?.phone === undefined ? {} : { phone: input.phone }),
  };
  const now = nowIso();
  const existing = userId === undefined ? undefined : await store.contactByExternalId(db, widgetId, userId);
  if (existing !== undefined) {
    // A verified identity's row is written even without new details: that write is the lock create() relies on.
    if (userId !== undefined || Object.keys(details).length > 0) {
      await store.updateContact(db, existing.id, { ...details, updated_at: now });
    }
    const changed = (['name', 'email', 'phone'] as const).some((key) => details[key] !== undefined && details[key] !== existing[key]);
    return { id: existing.id, change: changed ? 'updated' : null };
  }
  if (userId === undefined && Object.keys(details).length === 0) return null;
  const id = newId('ct');
  await store.insertContact(db, {
    id,
    widget_id: widgetId,
    external_id: userId ?? null,
    name: details.name ?? null,
    email: details.email ?? null,
    phone: details.phone ?? null,
    created_at: now,
    updated_at: now,
  });
  return { id, change: 'created' };
}
