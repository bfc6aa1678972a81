import type { ClientFrame, PresenceFrame, ServerFrame, StatusFrame } from '@parley/protocol';
import { errorFrame } from './client-frames.js';
import type { AppendResult } from '../engine/conversation-engine.js';

/** What a welcome needs of the conversation row the hello read. */
export interface WelcomeConversation {
  readonly id: string;
  readonly widget_id: string;
  readonly contact_id: string | null;
}

/**
 * What the realtime session asks of ownership, presence and agent replies (wired in app.ts).
 * Optional in SessionDeps so the bare protocol can be tested without them.
 */
export interface RealtimeConversationHooks {
  /**
   * The conversation's owner (for everyone) and presence (for visitors: `forVisitor`) as a welcome carries them, from
   * the conversation the hello has just read: its ownership is read once for both, and the conversation not again.
   */
  welcomeFields(conversation: WelcomeConversation, forVisitor: boolean): Promise<{ status: StatusFrame; presence?: PresenceFrame }>;
  /** An agent's message was stored: it may take the conversation and be mailed to an absent visitor. */
  agentReplied(result: AppendResult): Promise<void>;
  /** An agent did something (a frame): keeps them from turning away. */
  agentActivity(agentId: string): void;
}

/** An inbox stream only listens (and answers ping): it is in no conversation to send, type or read in. */
export function inboxOnly(frame: ClientFrame): ServerFrame | undefined {
  if (frame.type === 'typing' || frame.type === 'read') return undefined;
  return errorFrame('PARLEY_ERR_FRAME_INVALID', 'An inbox stream takes only ping; join a conversation with ?conversationId= to send.');
}
