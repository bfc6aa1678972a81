import type { ConversationOwner, ConversationStatus } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { ConversationStateRow } from '../store/conversation-states-store.js';

/** The ownership state machine's rules: which action is allowed from which owner, and the derived inbox status. */
export type OwnershipAction = 'handoff' | 'assign' | 'handback' | 'resolve' | 'reopen' | 'snooze' | 'visitor_returned';

const ALLOWED_FROM: Readonly<Record<OwnershipAction, readonly ConversationOwner[]>> = {
  handoff: ['bot'],
  assign: ['bot', 'queued', 'human', 'resolved'],
  handback: ['queued', 'human'],
  resolve: ['bot', 'queued', 'human'],
  reopen: ['resolved'],
  snooze: ['bot', 'queued', 'human'],
  visitor_returned: ['resolved'],
};

export interface OwnershipState {
  readonly conversationId: string;
  readonly owner: ConversationOwner;
  readonly assigneeId: string | null;
  readonly teamId: string | null;
  readonly snoozedUntil: string | null;
  readonly queuedAt: string | null;
  readonly offline: boolean;
}

export function check(current: OwnershipState, action: OwnershipAction): void {
  if (ALLOWED_FROM[action].includes(current.owner)) return;
  const possible = (Object.keys(ALLOWED_FROM) as OwnershipAction[]).filter(
    (name) => name !== 'visitor_returned' && name !== 'handoff' && ALLOWED_FROM[name].includes(current.owner),
  );
  throw new ApiError(
    'PARLEY_ERR_CONVERSATION_TRANSITION',
    `A conversation owned by "${current.owner}" cannot be ${pastTense(action)}; possible now: ${possible.join(', ')}.`,
  );
}

function pastTense(action: OwnershipAction): string {
  const words: Record<OwnershipAction, string> = {
    handoff: 'handed off',
    assign: 'assigned',
    handback: 'handed back to the bot',
    resolve: 'resolved',
    reopen: 'reopened',
    snooze: 'snoozed',
    visitor_returned: 'reopened',
  };
  return words[action];
}

export function botState(conversationId: string): OwnershipState {
  return { conversationId, owner: 'bot', assigneeId: null, teamId: null, snoozedUntil: null, queuedAt: null, offline: false };
}

export function ownerOf(value: string | null): ConversationOwner {
  return value === 'queued' || value === 'human' || value === 'resolved' ? value : 'bot';
}

export function fromRow(row: ConversationStateRow): OwnershipState {
  return {
    conversationId: row.conversation_id,
    owner: ownerOf(row.owner),
    assigneeId: row.assignee_id,
    teamId: row.team_id,
    snoozedUntil: row.snoozed_until,
    queuedAt: row.queued_at,
    offline: Number(row.offline) === 1,
  };
}

/** The inbox status: resolved, snoozed (until a time), pending (the bot has it) or open (a human has it or is asked for). */
export function statusOf(state: Pick<OwnershipState, 'owner' | 'snoozedUntil'>, now: string): ConversationStatus {
  if (state.owner === 'resolved') return 'resolved';
  if (state.snoozedUntil !== null && state.snoozedUntil > now) return 'snoozed';
  return state.owner === 'bot' ? 'pending' : 'open';
}
