import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import { isTimeZone } from '@parley/protocol';
import { conversationLanguage } from '../engine/conversation-visitor.js';
import { ApiError } from '../http/api-error.js';
import { readJson } from '../store/json.js';
import type { TranscriptEntry } from './transcript-lines.js';
import { renderTranscript, type TranscriptFormat, type TranscriptHead } from './transcript-render.js';
import { readTranscript, type TranscriptReaders, type TranscriptView } from './transcript-source.js';

/** A mail stays a mail: past this many messages the transcript is cut, and the mail says where the rest is. */
export const MAIL_TRANSCRIPT_MAX_MESSAGES = 2000;
/** A visitor may have their transcript mailed once per conversation in this time (it is mail sent from the site's name). */
export const VISITOR_MAIL_INTERVAL_MS = 10 * 60_000;

export interface TranscriptMailOptions {
  readonly transport: Transporter | null;
  readonly from: string;
}

export interface TranscriptMailRequest {
  /** Where to; the contact's email when absent. */
  readonly to?: string | undefined;
  readonly view: TranscriptView;
}

/**
 * Conversations mailed as transcripts: the printable HTML with the plain text beside it, to the address
 * an agent names or to the contact's own. Visitors may ask only for their own address, and at most once
 * per conversation every ten minutes, so the widget cannot be used to send mail to strangers.
 */
export class TranscriptMail {
  /** When each conversation's visitor last had a transcript mailed (this node; entries older than the interval are dropped). */
  private readonly visitorSent = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();

  constructor(
    private readonly readers: TranscriptReaders,
    private readonly log: FastifyBaseLogger,
    private readonly options: TranscriptMailOptions,
  ) {}

  get enabled(): boolean {
    return this.options.transport !== null;
  }

  /** Seconds a visitor must wait before this conversation's transcript can be mailed again; 0 when it can be now. */
  visitorWait(conversationId: string, now = Date.now()): number {
    for (const [id, at] of this.visitorSent) if (now - at >= VISITOR_MAIL_INTERVAL_MS) this.visitorSent.delete(id);
    const last = this.visitorSent.get(conversationId);
    return last === undefined ? 0 : Math.ceil((last + VISITOR_MAIL_INTERVAL_MS - now) / 1000);
  }

  /**
   * A conversation was resolved: when its widget says `emailTranscriptOnResolve`, the visitor left an email
   * and mail is set up, the transcript goes to them in their time zone and language. Runs on its own: the
   * agent's resolve never waits for SMTP, and a failure is logged, not thrown.
   */
  resolved(conversationId: string): void {
    if (!this.enabled) return;
    const send = this.sendOnResolve(conversationId)
      .catch((error: unknown) => this.log.error({ err: error, conversationId }, 'could not mail the transcript of a resolved conversation'))
      .finally(() => this.sends.delete(send));
    this.sends.add(send);
  }

  /** Mails still being sent (tests wait for them; shutdown lets them finish). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.sends]);
  }

  private async sendOnResolve(conversationId: string): Promise<void> {
    const conversation = await this.readers.engine.getConversation(conversationId);
    if (conversation === undefined) return;
    const { effective } = await this.readers.widgets.resolve(conversation.widget_id);
    if (!effective.emailTranscriptOnResolve) return;
    const meta = readJson<Record<string, unknown>>(conversation.meta);
    const zone = typeof meta['timezone'] === 'string' && isTimeZone(meta['timezone']) ? meta['timezone'] : 'UTC';
    try {
      await this.send(conversationId, 'visitor', {
        view: { timeZone: zone, locale: conversationLanguage(conversation, effective.language), notes: false },
      });
    } catch (error) {
      // No email left: nothing to send, nothing wrong.
      if (error instanceof ApiError && error.code === 'PARLEY_ERR_TRANSCRIPT_NO_EMAIL') return;
      throw error;
    }
  }

  /** Mails the transcript for the visitor of the conversation, to the contact's address only. */
  async sendForVisitor(conversationId: string, view: TranscriptView): Promise<{ readonly to: string }> {
    // Taken before sending, so two requests at once send one mail; given back if nothing was sent.
    this.visitorSent.set(conversationId, Date.now());
    try {
      return await this.send(conversationId, 'visitor', { view: { ...view, notes: false } });
    } catch (error) {
      this.visitorSent.delete(conversationId);
      throw error;
    }
  }

  /** Renders and sends; throws PARLEY_ERR_MAIL_NOT_CONFIGURED / PARLEY_ERR_TRANSCRIPT_NO_EMAIL before reading anything else. */
  async send(conversationId: string, readerId: string, request: TranscriptMailRequest): Promise<{ readonly to: string }> {
    const transport = this.options.transport;
    if (transport === null) throw new ApiError('PARLEY_ERR_MAIL_NOT_CONFIGURED');
    const { head, pages } = await readTranscript(this.readers, conversationId, readerId, request.view);
    const to = request.to ?? head.contact.email;
    if (to === null) throw new ApiError('PARLEY_ERR_TRANSCRIPT_NO_EMAIL');
    // Both bodies come from the same pages: read them once, cut at the mail's maximum.
    const entries: TranscriptEntry[] = [];
    let cut = false;
    for await (const page of pages) {
      entries.push(...page);
      if (entries.length > MAIL_TRANSCRIPT_MAX_MESSAGES) {
        entries.length = MAIL_TRANSCRIPT_MAX_MESSAGES;
        cut = true;
        break;
      }
    }
    const [html, text] = await Promise.all([collect('html', head, entries), collect('text', head, entries)]);
    const where = siteOf(head, this.readers.publicUrl);
    const note = cut
      ? `This email holds the first ${MAIL_TRANSCRIPT_MAX_MESSAGES} messages; ask for the whole conversation as a file.\n\n`
      : '';
    await transport.sendMail({
      from: this.options.from,
      to: head.contact.name === null || request.to !== undefined ? to : { name: head.contact.name, address: to },
      subject: `Your conversation on ${where}`,
      text: `${note}${text}`,
      html: cut ? html.replace('<main>', `<main><p>${note.trim()}</p>`) : html,
    });
    this.log.info(
      { conversationId, messages: entries.length, cut, by: readerId === 'visitor' ? 'visitor' : 'agent' },
      'mailed a transcript',
    );
    return { to };
  }
}

async function collect(format: TranscriptFormat, head: TranscriptHead, entries: readonly TranscriptEntry[]): Promise<string> {
  async function* once() {
    yield entries;
  }
  let out = '';
  for await (const chunk of renderTranscript(format, head, once())) out += chunk;
  return out;
}

/** The site the visitor chatted on (the page's host), or this server's when the page is not known. */
function siteOf(head: TranscriptHead, publicUrl: string): string {
  for (const candidate of [head.pageUrl, publicUrl]) {
    if (candidate !== null && URL.canParse(candidate)) return new URL(candidate).host;
  }
  return 'the website';
}

/** `ada@example.com` → `a•••@example.com`: enough for the visitor to recognise, not a leak in a shared screen. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}
