import type { ClientFrame, ServerFrame } from '@parley/protocol';
import { postFrame } from './http-send.js';
import {
  ABNORMAL_CLOSE,
  batchQuery,
  closeFromStatus,
  parseServerFrame,
  realtimeUrl,
  type Transport,
  type TransportClose,
  type TransportTarget,
  POLL_WAIT_MS,
} from './transport.js';

const POLL_GRACE_MS = 10_000;

/**
 * Long polling: the last resort, through any proxy that passes plain HTTP. The first request asks
 * for no wait so the link is established at once; later ones wait for news. The cursor is the
 * highest message seq seen, so a lost answer is simply asked for again.
 */
export class PollTransport implements Transport {
  readonly name = 'poll';
  /** Every request has its own deadline, so no heartbeat watchdog is needed. */
  readonly heartbeats = false;
  private readonly abort = new AbortController();
  private ended = false;
  private cursor: number;

  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly target: TransportTarget,
    private readonly waitMs = POLL_WAIT_MS,
  ) {
    this.cursor = target.lastSeq;
  }

  async open(onFrame: (frame: ServerFrame) => void, onClose: (close: TransportClose) => void): Promise<void> {
    const first = await this.poll(0);
    if (first.close !== undefined) {
      this.fail(onClose, first.close);
      throw new Error(`poll failed (${first.close.code})`);
    }
    void this.run(first.frames, onFrame, onClose);
  }

  send(frame: ClientFrame): Promise<ServerFrame | void> {
    if (this.ended) return Promise.reject(new Error('poll link is closed'));
    return postFrame(this.fetchImpl, realtimeUrl(this.target, 'poll/send', {}), this.target.token, frame);
  }

  close(): void {
    this.ended = true;
    this.abort.abort();
  }

  private async run(
    frames: readonly ServerFrame[],
    onFrame: (frame: ServerFrame) => void,
    onClose: (close: TransportClose) => void,
  ): Promise<void> {
    // Let the connection see the link open before the backlog arrives, as on the other transports.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let batch = frames;
    while (!this.ended) {
      for (const frame of batch) {
        if (this.ended) return;
        onFrame(frame);
      }
      const next = await this.poll(this.waitMs);
      if (next.close !== undefined) return this.fail(onClose, next.close);
      batch = next.frames;
    }
  }

  private fail(onClose: (close: TransportClose) => void, close: TransportClose): void {
    if (this.ended) return;
    this.ended = true;
    onClose(close);
  }

  private async poll(waitMs: number): Promise<{ readonly frames: readonly ServerFrame[]; readonly close?: TransportClose }> {
    const url = realtimeUrl(this.target, 'poll', { since: this.cursor, wait: waitMs, ...batchQuery(this.target) });
    const deadline = setTimeout(() => this.abort.abort(), waitMs + POLL_GRACE_MS);
    try {
      const response = await this.fetchImpl(url, { signal: this.abort.signal });
      if (!response.ok) return { frames: [], close: closeFromStatus(response.status) };
      const body: unknown = await response.json();
      const raw = typeof body === 'object' && body !== null && 'frames' in body && Array.isArray(body.frames) ? body.frames : [];
      const frames: ServerFrame[] = [];
      for (const item of raw) {
        const frame = parseServerFrame(item);
        if (frame === undefined) continue;
        if (frame.type === 'message') this.cursor = Math.max(this.cursor, frame.message.seq);
        if (frame.type === 'messages') this.cursor = Math.max(this.cursor, frame.messages.at(-1)?.seq ?? 0);
        frames.push(frame);
      }
      return { frames };
    } catch (error) {
      return { frames: [], close: { code: ABNORMAL_CLOSE, reason: error instanceof Error ? error.message : 'poll failed' } };
    } finally {
      clearTimeout(deadline);
    }
  }
}
