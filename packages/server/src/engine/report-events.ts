import type { Message, ReportEventType } from '@parley/protocol';
import type { OwnershipAction, OwnershipState } from './ownership-state.js';

/** Something that happened which reports count and no message or ownership change tells (a new conversation, an email left). */
export interface ReportEventInput {
  readonly type: ReportEventType;
  readonly conversationId: string;
  readonly at?: string;
  readonly botId?: string | null;
}

/**
 * The engine's port to reports (implemented by reports/report-recorder.ts, wired in app.ts). Every
 * method only queues: it never throws and never waits, so nothing the engine does can fail or slow
 * down because of reports. A message's own event row is not sent here: the message writer stores it in
 * the message's transaction; these calls keep the per-conversation figures and counts.
 */
export interface ReportEvents {
  /** Messages committed (each once, after its commit). */
  messagesStored(messages: readonly Message[]): void;
  /** An ownership change was stored (action null: a team or offline flag only). */
  ownershipChanged(previous: OwnershipState, next: OwnershipState, action: OwnershipAction | null, at?: string): void;
  record(event: ReportEventInput): void;
}

export const NO_REPORT_EVENTS: ReportEvents = {
  messagesStored: () => undefined,
  ownershipChanged: () => undefined,
  record: () => undefined,
};
