import type { ServerFrame } from '@parley/protocol';
import type { ManagedSource } from '../core/managed-source.js';

/** A call frame from the conversation's link (the core's managed source hands them over). The UI follows. */
export function onCallFrame(frame: ServerFrame, source: ManagedSource): void {
  void frame;
  void source;
}
