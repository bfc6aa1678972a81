import type { ClientFrame } from '@parley/protocol';
import { Connection } from '../realtime/connection.js';

/** The frames of a call (docs/calls.md). */
export type CallClientFrame = Extract<ClientFrame, { type: 'call_offer' | 'call_accept' | 'call_decline' | 'call_end' | 'call_signal' }>;

/**
 * A Connection that also sends call frames. A subclass, not a method of Connection: the widget's core
 * bundle carries Connection and is at its size budget, and only the console (and later the widget's call
 * extra) needs calls.
 */
export class CallingConnection extends Connection {
  /**
   * Sends a call frame on the open link; false when there is none. Calls are not queued: a call is bound
   * to one live link, and its state is the server's (`call` frames).
   */
  call(frame: CallClientFrame): boolean {
    if (this.state.kind !== 'open') return false;
    this.sendFrame(frame, this.generation);
    return true;
  }
}
