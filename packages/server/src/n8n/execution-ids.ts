import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../auth/server-secret.js';

/** How long an issued executionId opens the socket: @n8n/chat connects right after the answer that carries it. */
export const EXECUTION_ID_TTL_MS = 10 * 60_000;

/** What an executionId stands for: the conversation, and the seq after which its socket starts delivering. */
export interface Execution {
  readonly conversationId: string;
  readonly afterSeq: number;
}

/**
 * The `executionId` Parley hands to @n8n/chat when a person owns the conversation; the client opens
 * `/chat?sessionId=…&executionId=…` with it. It is `<conversationId>.<afterSeq>.<expiry>.<mac>`: an
 * HMAC (key derived from the server secret) over those and the n8n sessionId, so it cannot be guessed,
 * reused for another session, or altered, and any node can check it without shared state.
 */
export class ExecutionIds {
  private readonly key: Buffer;

  constructor(
    serverSecret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = deriveKey(serverSecret, 'parley/n8n-execution-id/v1');
  }

  issue(sessionId: string, execution: Execution): string {
    const expires = Math.floor((this.now() + EXECUTION_ID_TTL_MS) / 1000);
    const body = `${execution.conversationId}.${execution.afterSeq}.${expires}`;
    return `${body}.${this.mac(sessionId, body)}`;
  }

  /** The execution, or undefined when the id is malformed, altered, expired or issued for another sessionId. */
  verify(sessionId: string, executionId: string): Execution | undefined {
    const match = /^([A-Za-z0-9_-]{1,80})\.(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(executionId);
    if (match === null) return undefined;
    const [, conversationId = '', afterSeq = '', expires = '', mac = ''] = match;
    const expected = Buffer.from(this.mac(sessionId, `${conversationId}.${afterSeq}.${expires}`));
    if (!timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    if (Number(expires) * 1000 < this.now()) return undefined;
    return { conversationId, afterSeq: Number(afterSeq) };
  }

  /** 128 bits of HMAC-SHA256, base64url: unguessable and short enough for a query string. */
  private mac(sessionId: string, body: string): string {
    return createHmac('sha256', this.key).update(`${sessionId}\n${body}`).digest().subarray(0, 16).toString('base64url');
  }
}
