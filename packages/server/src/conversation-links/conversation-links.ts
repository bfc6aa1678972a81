import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sameSecret } from '../auth/api-keys.js';
import type { Bus } from '../bus/bus.js';
import type { Db } from '../store/database.js';
import { newId } from '../store/ids.js';
import type { ConversationLinksTable } from '../store/schema.js';

/** A link's life when its maker names none, and the most it may be given. */
export const LINK_DEFAULT_TTL_S = 7 * 86_400;
export const LINK_MAX_TTL_S = 30 * 86_400;
/**
 * How long a link's row outlives its end (expiry or revocation): agents see it in the list and its page says
 * "expired" or "revoked" meanwhile; after it, the next link made for the conversation removes the row (every reply mail
 * makes one, so rows would otherwise pile up), and the page says "expired" for a genuine link without a row.
 */
export const LINK_KEPT_AFTER_END_MS = 30 * 86_400_000;
/** Revocations made on any node reach every node's live connections through this channel. */
export const LINK_REVOKED_CHANNEL = 'parley:conversation-links:revoked';

export type LinkMaker = { readonly createdBy: 'visitor' | 'system' } | { readonly createdBy: 'agent'; readonly agentId: string };

/** A conversation link as the API answers it. */
export interface ConversationLink {
  readonly object: 'conversation_link';
  readonly id: string;
  readonly conversationId: string;
  readonly createdBy: ConversationLinksTable['created_by'];
  readonly agentId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  /** The link itself: `<public URL>/c/<id>?s=<signature>`. */
  readonly url: string;
}

/** What a presented link is: its row when it may be opened; why not otherwise. */
export type LinkCheck =
  { readonly verdict: 'ok'; readonly link: ConversationLink } | { readonly verdict: 'invalid' | 'expired' | 'revoked' };

type Row = ConversationLinksTable;

/**
 * Signed, expiring, revocable links that open one conversation full page on any device (docs/async-mode.md). The
 * signature (HMAC-SHA256 with a key derived from the server secret, as preview links and session tokens have) covers
 * the link's id, so a changed id is refused before the database is read, and rotating PARLEY_SECRET retires every link;
 * the row holds expiry and revocation, so a link can be revoked before it expires. A session minted from a link
 * carries the link's id (`lnk`), and `alive` refuses it once the link is revoked or expired.
 */
export class ConversationLinks {
  private readonly key: Buffer;
  private readonly listeners = new Set<(linkId: string) => void>();
  private listening: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    serverSecret: string,
    private readonly publicUrl: string,
    /** Where revocations are told to the other nodes (their open links from a revoked link close); none in tests. */
    private readonly fanOut: { readonly bus: Bus; readonly log: FastifyBaseLogger } | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', serverSecret).update('parley/conversation-link/v1').digest();
  }

  async create(conversationId: string, maker: LinkMaker, ttlSeconds = LINK_DEFAULT_TTL_S): Promise<ConversationLink> {
    const at = this.now();
    const row: Row = {
      id: newId('lnk'),
      conversation_id: conversationId,
      created_by: maker.createdBy,
      agent_id: maker.createdBy === 'agent' ? maker.agentId : null,
      created_at: new Date(at).toISOString(),
      expires_at: new Date(at + Math.min(ttlSeconds, LINK_MAX_TTL_S) * 1000).toISOString(),
      revoked_at: null,
    };
    const ended = new Date(at - LINK_KEPT_AFTER_END_MS).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('conversation_links')
        .where('conversation_id', '=', conversationId)
        .where((eb) => eb.or([eb('expires_at', '<', ended), eb('revoked_at', '<', ended)]))
        .execute();
      await trx.insertInto('conversation_links').values(row).execute();
    });
    return this.toLink(row);
  }

  /** The conversation's links, newest first (revoked and expired ones included, so agents see what was shared). */
  async list(conversationId: string): Promise<ConversationLink[]> {
    const rows = await this.db
      .selectFrom('conversation_links')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => this.toLink(row));
  }

  /** Revokes a link of the conversation (again: no change); undefined when it has no such link. */
  async revoke(conversationId: string, linkId: string): Promise<ConversationLink | undefined> {
    const revokedAt = new Date(this.now()).toISOString();
    await this.db
      .updateTable('conversation_links')
      .set({ revoked_at: revokedAt })
      .where('id', '=', linkId)
      .where('conversation_id', '=', conversationId)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await this.row(linkId);
    if (row === undefined || row.conversation_id !== conversationId) return undefined;
    this.tell(linkId);
    this.fanOut?.bus.publish(LINK_REVOKED_CHANNEL, linkId).catch((error: unknown) => {
      this.fanOut?.log.warn(
        { err: error, linkId },
        'could not tell other nodes of a revoked link; its open links there end at their next reconnect',
      );
    });
    return this.toLink(row);
  }

  /** Hears revocations made on other nodes (idempotent). */
  listen(): Promise<unknown> {
    const fanOut = this.fanOut;
    if (fanOut === null) return Promise.resolve();
    this.listening ??= fanOut.bus
      .subscribe(LINK_REVOKED_CHANNEL, (linkId) => this.tell(linkId))
      .catch((error: unknown) => {
        this.listening = undefined;
        fanOut.log.warn({ err: error }, 'could not listen for links revoked on other nodes');
      });
    return this.listening;
  }

  /** `listener` hears every revoked link's id, revoked on this node or another: the gateway closes its visitor links. */
  onRevoked(listener: (linkId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(linkId: string): void {
    for (const listener of this.listeners) listener(linkId);
  }

  /** The signature first: a changed link is invalid, not revoked or expired. */
  async check(linkId: string, signature: unknown): Promise<LinkCheck> {
    if (typeof signature !== 'string' || !/^lnk_[0-9A-Z]{26}$/.test(linkId) || !sameSecret(signature, this.sign(linkId))) {
      return { verdict: 'invalid' };
    }
    const row = await this.row(linkId);
    // Signed by this server, so it was a link: its row went a month after it ended, or with its conversation.
    if (row === undefined) return { verdict: 'expired' };
    if (row.revoked_at !== null) return { verdict: 'revoked' };
    if (Date.parse(row.expires_at) <= this.now()) return { verdict: 'expired' };
    return { verdict: 'ok', link: this.toLink(row) };
  }

  /** Whether a session minted from the link may still be used: the link exists, is not revoked and not expired. */
  async alive(linkId: string): Promise<boolean> {
    const row = await this.row(linkId);
    return row !== undefined && row.revoked_at === null && Date.parse(row.expires_at) > this.now();
  }

  private row(linkId: string): Promise<Row | undefined> {
    return this.db.selectFrom('conversation_links').selectAll().where('id', '=', linkId).executeTakeFirst();
  }

  private toLink(row: Row): ConversationLink {
    return {
      object: 'conversation_link',
      id: row.id,
      conversationId: row.conversation_id,
      createdBy: row.created_by,
      agentId: row.agent_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      url: `${this.publicUrl}/c/${row.id}?s=${this.sign(row.id)}`,
    };
  }

  private sign(linkId: string): string {
    return createHmac('sha256', this.key).update(linkId).digest('base64url');
  }
}
