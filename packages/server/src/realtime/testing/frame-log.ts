import type { ClientFrame, ServerFrame } from '@parley/protocol';

/** Test-only: what every transport's test client offers the conversation suite. */
export interface TestClient {
  readonly log: FrameLog;
  /** Sends one frame (or raw text). HTTP transports resolve with the answer frame; ws resolves with the ack/error of a `send`. */
  send(frame: ClientFrame | string): Promise<ServerFrame | undefined>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly lastSeq?: number;
  /** Agents (admin key) name the conversation. */
  readonly conversationId?: string;
  readonly origin?: string;
}

export interface WaitOptions {
  readonly from?: number;
  readonly timeoutMs?: number;
}

export type Connect = (options: ConnectOptions) => Promise<TestClient>;

/** Received frames, and a way to wait for one. Waits scan everything received so far, then new arrivals. */
export class FrameLog {
  readonly frames: ServerFrame[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  private readonly waiters = new Set<() => void>();

  push(frame: ServerFrame): void {
    this.frames.push(frame);
    for (const wake of [...this.waiters]) wake();
  }

  closed(code: number, reason: string): void {
    this.closeInfo ??= { code, reason };
    for (const wake of [...this.waiters]) wake();
  }

  /** Every `message` frame's seq, in arrival order. */
  seqs(): number[] {
    return this.frames.flatMap((frame) => (frame.type === 'message' ? [frame.message.seq] : []));
  }

  /** `from`: only frames at or after this index of `frames` count. */
  async waitFor<T extends ServerFrame>(match: (frame: ServerFrame) => frame is T, options?: WaitOptions): Promise<T>;
  async waitFor(match: (frame: ServerFrame) => boolean, options?: WaitOptions): Promise<ServerFrame>;
  async waitFor(match: (frame: ServerFrame) => boolean, { from = 0, timeoutMs = 5000 }: WaitOptions = {}): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeInfo === undefined) {
      if (Date.now() > deadline) throw new Error('the link did not close');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closeInfo;
  }
}

export function isServerFrame(value: unknown): value is ServerFrame {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}

export function parseFrame(text: string): ServerFrame {
  const value: unknown = JSON.parse(text);
  if (!isServerFrame(value)) throw new Error(`not a frame: ${text}`);
  return value;
}

export function query(options: ConnectOptions, extra: Record<string, string>): string {
  const params = new URLSearchParams({ token: options.token, ...extra });
  if (options.conversationId !== undefined) params.set('conversationId', options.conversationId);
  return params.toString();
}

/** POSTs one frame to an HTTP send endpoint; the answer frame, or undefined for 204. */
export async function postFrame(url: string, frame: ClientFrame | string, origin: string | undefined): Promise<ServerFrame | undefined> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin === undefined ? {} : { origin }) },
    body: typeof frame === 'string' ? frame : JSON.stringify(frame),
  });
  const text = await response.text();
  return text === '' ? undefined : parseFrame(text);
}
