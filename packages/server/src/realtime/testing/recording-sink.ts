import type { ServerFrame } from '@parley/protocol';
import type { Sink } from '../session.js';
import { parseFrame } from './frame-log.js';

/** A session's sink for tests: records the frames written, reports whatever backlog the test sets, keeps the first close code. */
export class RecordingSink implements Sink {
  readonly frames: ServerFrame[] = [];
  pending = 0;
  closedWith: number | null = null;
  /** Holds taken and not yet released (Sink.hold), and the frame types written while one was. */
  held = 0;
  readonly writtenWhileHeld: string[] = [];
  write(json: string): void {
    const frame = parseFrame(json);
    this.frames.push(frame);
    if (this.held > 0) this.writtenWhileHeld.push(frame.type);
  }
  hold(): () => void {
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
    };
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
