import type { ServerFrame } from '@parley/protocol';
import type { Sink } from '../session.js';
import { parseFrame } from './frame-log.js';

/** A session's sink for tests: records the frames written, reports whatever backlog the test sets, keeps the first close code. */
export class RecordingSink implements Sink {
  readonly frames: ServerFrame[] = [];
  pending = 0;
  closedWith: number | null = null;
  write(json: string): void {
    this.frames.push(parseFrame(json));
  }
  pendingBytes(): number {
    return this.pending;
  }
  close(code: number): void {
    this.closedWith ??= code;
  }
  /** The seqs of the `message` frames, in the order written. */
  seqs(): number[] {
    return this.frames.flatMap((frame) => (frame.type === 'message' ? [frame.message.seq] : []));
  }
}
