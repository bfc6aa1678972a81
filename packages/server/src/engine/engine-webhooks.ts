import type { InboxActivityKind, Message } from '@parley/protocol';
import type { CompiledQuery } from 'kysely';
import type { ConversationRow } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';
import type { AppendInput } from './conversation-engine.js';
import type { OwnershipState } from './ownership-state.js';

/** An ownership change as the engine records it: its activity kind (`handoff` has none: it is a message). */
export interface OwnershipChange {
  readonly kind: InboxActivityKind | 'handoff' | null;
  readonly previous: OwnershipState;
  readonly next: OwnershipState;
  /** The agent who made the change; null: the system (routing, a rule, a timer). */
  readonly actor: { readonly id: string; readonly name: string } | null;
}

/** The outbox rows of one event, to write with the executor of the transaction that stores the event. */
export type EventWrite = (trx: Db) => Promise<void>;

/**
 * What the engine asks of outbound webhooks (webhooks/ implements it; app.ts wires it). Every method
 * writes with the executor it is given: the caller passes the transaction that stores the event. For
 * messages, `wants` is answered from memory on every append; only when it says yes are deliveries
 * written: on SQLite by the message writer in the message's savepoint of its group commit
 * (`messageStatements`), elsewhere by the portable path, one transaction that stores the message and
 * writes its deliveries together (`enqueue`).
 */
export interface EngineWebhooks {
  wants(input: Pick<AppendInput, 'type' | 'payload'>): boolean;
  enqueue(db: Db, message: Message): Promise<void>;
  /**
   * The message's deliveries as compiled statements, for a writer that runs them in the message's own
   * transaction (SQLite's group commit, store/message-writer.ts); none when no subscription wants it.
   * Called inside that transaction, synchronously.
   */
  messageStatements(message: Message, widgetId: string): readonly CompiledQuery[];
  conversationCreated(db: Db, conversation: Pick<ConversationRow, 'id' | 'widget_id' | 'identity_user_id' | 'created_at'>): Promise<void>;
  /**
   * Reads what the event needs (widget, agents, team) with `db`, outside the caller's transaction, and
   * answers the write to run inside it (null: no subscription wants it). On SQLite a transaction holds
   * the one connection the message writer's group commit also needs: the reads stay out of it.
   */
  ownershipChanged(db: Db, change: OwnershipChange): Promise<EventWrite | null>;
  emailLeft(
    db: Db,
    conversation: Pick<ConversationRow, 'id' | 'widget_id'>,
    contact: { readonly id: string; readonly email: string; readonly name: string | null },
  ): Promise<void>;
}

export const NO_ENGINE_WEBHOOKS: EngineWebhooks = {
  wants: () => false,
  enqueue: async () => undefined,
  messageStatements: () => [],
  conversationCreated: async () => undefined,
  ownershipChanged: async () => null,
  emailLeft: async () => undefined,
};
