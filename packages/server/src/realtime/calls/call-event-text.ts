import type { CallInfo } from '@parley/protocol';

const KIND = { audio: 'Voice call', video: 'Video call', screen: 'Screen sharing' } as const;

const REASON = {
  hangup: 'ended',
  declined: 'declined',
  failed: 'failed (the connection could not be made or was lost)',
  unanswered: 'not answered',
  'peer-gone': 'ended: a side left',
  'no-device': 'ended: no camera or microphone',
  'permission-denied': 'ended: camera or microphone permission denied',
} as const;

/**
 * The transcript line of an ended call, in English (like the console's own texts); the widget and the
 * console render the call event from its payload in the reader's language, the text is the fallback for
 * email transcripts and API readers.
 */
export function callEventText(call: CallInfo): string {
  const who = `${call.caller.role === 'visitor' ? 'the visitor' : call.caller.name}`;
  const duration = call.durationMs === null ? '' : `, ${formatDuration(call.durationMs)}`;
  return `${KIND[call.kind]} started by ${who}${duration}, ${call.endReason === null ? 'ended' : REASON[call.endReason]}.`;
}

/** `1 h 2 min 3 s`, `2 min 5 s`, `12 s`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h > 0 ? `${h} h` : '', h > 0 || min > 0 ? `${min} min` : '', `${s} s`].filter((part) => part !== '').join(' ');
}
