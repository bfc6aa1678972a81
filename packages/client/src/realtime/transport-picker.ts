import type { TransportName } from './transport.js';

/**
 * How a link failed: `timeout`, it never reached `welcome` in time; `silent`, it was open and its heartbeats
 * stopped; `error`, it was refused or broke.
 */
export type LinkFailure = 'timeout' | 'silent' | 'error';

/** How often a transport that never opened may fail before the next one is tried. */
const FAILURES_BEFORE_FALLBACK = 2;

/**
 * Chooses the transport for the next attempt: WebSocket first, then SSE, then long polling. A proxy
 * that silently swallows upgrades shows up as an open timeout, which falls back at once; a transport
 * that fails outright gets a second chance first. The first transport that opens is kept for the
 * rest of the session, so later reconnects do not pay for the fallback again — unless it stops opening
 * in time, or it is SSE and goes silent.
 */
export class TransportPicker {
  private index = 0;
  private failures = 0;
  private proven: TransportName | undefined;

  constructor(private readonly order: readonly TransportName[]) {
    if (order.length === 0) throw new Error('at least one transport is needed');
  }

  current(): TransportName {
    return this.proven ?? this.order[this.index] ?? 'ws';
  }

  opened(): void {
    this.proven = this.current();
    this.failures = 0;
  }

  /** Records a failed attempt; true when the next attempt uses another transport (then it should start without backoff). */
  failed(kind: LinkFailure): boolean {
    // A proven transport that stops opening (say, a proxy was added mid-session) is demoted on timeouts only:
    // plain errors are usually the network, which every transport would suffer alike. Silence is a timeout
    // on SSE, whose stream a proxy can hold back in its buffer, and the network on WebSocket, which none buffers.
    if (kind === 'silent') kind = this.proven === 'sse' ? 'timeout' : 'error';
    if (this.proven !== undefined) {
      if (kind === 'error') return false;
      this.index = this.order.indexOf(this.proven);
      this.proven = undefined;
    } else {
      this.failures += 1;
      if (kind === 'error' && this.failures < FAILURES_BEFORE_FALLBACK) return false;
    }
    this.failures = 0;
    if (this.order.length === 1) return false;
    // After the last one, start over: an outage that failed every transport should not pin the session to polling.
    this.index = (this.index + 1) % this.order.length;
    return true;
  }
}
