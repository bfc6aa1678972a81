import type { Message } from '@parley/protocol';
import type { Db } from '../store/database.js';
import type { AppendInput } from './conversation-engine.js';

/**
 * What the engine asks of outbound webhooks (webhooks/ implements it; app.ts wires it). `wants` is
 * answered from memory on every append; only when it says yes does the append take the portable path,
 * one transaction that stores the message and writes its webhook deliveries (`enqueue`) together.
 */
export interface MessageWebhooks {
  wants(input: Pick<AppendInput, 'type' | 'payload'>): boolean;
  enqueue(db: Db, message: Message): Promise<void>;
}

export const NO_MESSAGE_WEBHOOKS: MessageWebhooks = {
  wants: () => false,
  enqueue: async () => undefined,
};
