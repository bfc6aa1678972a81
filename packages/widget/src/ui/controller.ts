import type { PersistStore } from '../core/persist.js';
import type { TabShare } from '../core/tab-share.js';
import type { ViewStore } from '../core/view-store.js';

/** What the components may ask of the widget; the instance implements it. */
export interface Controller {
  readonly store: ViewStore;
  /** The session (its token) for extras that call the server themselves, as link previews do. */
  readonly persist: PersistStore;
  /** The Parley server and widget; null in direct mode, which has neither. */
  readonly server: string | null;
  readonly widgetId: string | null;
  /** The conversation shared by the tabs: the privacy extra starts it after the consent gate and stops it on a withdrawal. */
  readonly share: TabShare;
  send(text: string): void;
  setOpen(open: boolean): void;
  setDraft(text: string): void;
  retry(clientId: string): void;
  typing(active: boolean): void;
  askRestart(show: boolean): void;
  restart(): void;
  setLocale(language: string): void;
  toggleMaximize(): void;
  /** Marks a form, rating or contact card as submitted (once, in every tab). */
  markDone(key: string): void;
  dismissPeek(): void;
  markSeen(): void;
  /** Contact collection: kept for a conversation yet to start, or sent to the server for the current one. */
  saveContact(contact: Readonly<Record<'name' | 'email' | 'phone', string | undefined>>): void;
  /** The visitor's 1–5 score (and optional comment) for a resolved conversation: stored by the server as a rating, not a chat message. */
  rate(score: number, comment: string): void;
  /** Sends files (attachments on): checked, uploaded with progress, shown as the file message once stored. */
  attach(files: readonly File[]): void;
  dismissUpload(id: string): void;
  /** Asks the server for a page of messages older than the oldest held (managed mode). */
  loadOlder(): void;
  /**
   * POSTs to the current conversation's `/v1/conversations/:id/<path>` with its session token (managed mode):
   * undefined when there is no such conversation (no session yet, or direct mode), else the answer (undefined
   * when the network failed, so a caller that does not wait for it has nothing to catch).
   */
  post(path: string, body: object): Promise<Response | undefined> | undefined;
}
