import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import type { Message } from '@parley/protocol';
import type { Db } from '../store/database.js';
import { readJson } from '../store/json.js';
import { readCursorsStore } from '../store/read-cursors-store.js';
import type { ConversationEngine } from './conversation-engine.js';
import { isNote } from './private-notes.js';
import { noticeText } from './visitor-notices.js';

/** How long an agent's reply may stay unread by the visitor before it is mailed to them. */
export const DEFAULT_MAIL_DELAY_MS = 60_000;

export interface OfflineMailOptions {
  readonly transport: Transporter | null;
  readonly from: string;
  readonly publicUrl: string;
  readonly delayMs?: number;
  /** A conversation link (conversation-links/) for the mail to carry: the conversation opens full page on any device. */
  readonly link?: (conversationId: string) => Promise<string>;
}

/**
 * Agents' replies reach a visitor who is gone by email: when the visitor left an address (offline
 * mode asks for one) and has not read a reply within delayMs, every unread agent reply is sent in
 * one mail. Without PARLEY_SMTP_URL nothing is sent; the replies wait in the conversation.
 */
export class OfflineMail {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Per conversation, the highest seq already mailed, so a reply is mailed once. */
  private readonly mailedUpTo = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly engine: ConversationEngine,
    private readonly log: FastifyBaseLogger,
    private readonly options: OfflineMailOptions,
  ) {}

  get enabled(): boolean {
    return this.options.transport !== null;
  }

  agentReplied(message: Message): void {
    if (!this.enabled || message.author.role !== 'agent' || isNote(message)) return;
    const conversationId = message.conversationId;
    if (this.pending.has(conversationId)) return;
    const timer = setTimeout(() => {
      this.pending.delete(conversationId);
      const send = this.send(conversationId)
        .catch((error: unknown) => this.log.error({ err: error, conversationId }, 'could not mail a reply to the visitor'))
        .finally(() => this.sends.delete(send));
      this.sends.add(send);
    }, this.options.delayMs ?? DEFAULT_MAIL_DELAY_MS);
    timer.unref();
    this.pending.set(conversationId, timer);
  }

  /** Mails still being sent finish; scheduled ones are dropped (the replies stay in the conversation). */
  async close(): Promise<void> {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.allSettled([...this.sends]);
  }

  private async send(conversationId: string): Promise<void> {
    const transport = this.options.transport;
    if (transport === null) return;
    const conversation = await this.db
      .selectFrom('conversations as c')
      .leftJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['c.id', 'c.meta', 'ct.email', 'ct.name'])
      .where('c.id', '=', conversationId)
      .executeTakeFirst();
    const email = conversation?.email ?? null;
    if (conversation === undefined || email === null) return;
    const cursors = await readCursorsStore.list(this.db, conversationId);
    const read = Math.max(0, ...cursors.filter((c) => c.reader_role === 'visitor').map((c) => Number(c.seq)));
    const after = Math.max(read, this.mailedUpTo.get(conversationId) ?? 0);
    const replies = (await this.engine.messagesAfter(conversationId, after)).filter((m) => m.author.role === 'agent' && !isNote(m));
    const last = replies.at(-1);
    if (last === undefined) return;
    this.mailedUpTo.set(conversationId, last.seq);
    const agentName = last.author.name;
    const meta = readJson<Record<string, unknown>>(conversation.meta);
    const link =
      this.options.link !== undefined
        ? await this.options.link(conversationId)
        : typeof meta['pageUrl'] === 'string'
          ? meta['pageUrl']
          : this.options.publicUrl;
    // In the visitor's language, as the widget spoke to them.
    const language = typeof meta['language'] === 'string' ? meta['language'] : 'en';
    const body = replies.map((m) => `${m.author.name}:\n${m.text}`).join('\n\n');
    await transport.sendMail({
      from: this.options.from,
      to: conversation.name === null ? email : { name: conversation.name, address: email },
      subject: noticeText('mail_subject', language, agentName),
      text: `${body}\n\n${noticeText('mail_continue', language)} ${link}\n`,
    });
    this.log.info({ conversationId, replies: replies.length }, 'mailed agent replies to the visitor');
  }
}
