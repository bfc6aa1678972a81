import { storageFailureCode } from './storage-failure.js';

/** What the tracker needs of a logger: the pino shape (details first), so Fastify's logger fits. */
export interface StorageLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export type WriteHealthState =
  | { readonly kind: 'writable' }
  | {
      readonly kind: 'failing';
      /** Date.now() of the first failure of this incident. */
      readonly since: number;
      /** The code or message of the first failure (SQLITE_FULL, 57P01, ECONNREFUSED…). */
      readonly reason: string;
      readonly failures: number;
    };

/**
 * Whether this node's storage took its last write. A storage failure (see isStorageFailure) turns it
 * to `failing` until a write succeeds again; /readyz answers 503 meanwhile and probes with a real write
 * itself, since a load balancer that saw the 503 sends no more traffic that could prove recovery.
 * Each incident is logged once when it starts and once when it ends, however many writes fail between.
 */
export class WriteHealth {
  private current: WriteHealthState = { kind: 'writable' };

  constructor(private readonly log: StorageLog | null) {}

  get state(): WriteHealthState {
    return this.current;
  }

  /** Records a failed query or write; failures that are not the storage's (a constraint, a missing row) are ignored. */
  failed(error: unknown): void {
    const reason = storageFailureCode(error);
    if (reason === null) return;
    if (this.current.kind === 'failing') {
      this.current = { ...this.current, failures: this.current.failures + 1 };
      return;
    }
    this.current = { kind: 'failing', since: Date.now(), reason, failures: 1 };
    this.log?.error({ err: error, reason }, 'storage cannot take writes: /readyz answers 503 until a write succeeds again');
  }

  /** Records a committed write. */
  succeeded(): void {
    if (this.current.kind === 'writable') return;
    const { since, reason, failures } = this.current;
    this.current = { kind: 'writable' };
    this.log?.warn({ reason, failures, downMs: Date.now() - since }, 'storage takes writes again: /readyz answers 200');
  }
}
