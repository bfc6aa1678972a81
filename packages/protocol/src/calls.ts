import * as v from 'valibot';
import type { Author } from './message.js';

/**
 * Voice and video calls and screen sharing (issue 22, docs/calls.md): the frames a conversation's visitor
 * link and an agent's link exchange through the realtime gateway, which keeps the call's state and relays
 * the WebRTC signalling (SDP and ICE candidates) between the two links the call is bound to. Media goes
 * peer to peer (or through TURN), never through Parley, and nothing is recorded.
 *
 * Added in protocol 1 without a version bump: a client that never sends them is served as before, and a
 * server without them answers PARLEY_ERR_FRAME_INVALID (a client offers calls only when the widget's public
 * config has `calls`, which such a server never sends).
 *
 * The flow: one side sends `call_offer` (it picks the callId, as it picks a message's clientId); every link
 * of the conversation gets a `call` frame (state `ringing`); one link of the other side answers with
 * `call_accept` or `call_decline`. On accept both bound links get `call_connect` (the ICE servers, with
 * per-call TURN credentials when configured, and which of them makes the SDP offer), then exchange
 * `call_signal` frames, which the server passes to the other bound link only. `call_end` from either link
 * ends it; every change reaches every link of the conversation as a `call` frame.
 */

/** `screen`: the visitor shares their screen (or a tab) with the agent; an agent's `screen` offer asks for it. */
export const CALL_KINDS = ['audio', 'video', 'screen'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

export const CALL_END_REASONS = ['hangup', 'declined', 'failed', 'unanswered', 'peer-gone', 'no-device', 'permission-denied'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

/**
 * What a client may give in `call_end`: `declined` is said by `call_decline`, and `unanswered` (no answer
 * within CALL_RING_MS) and `peer-gone` (a bound link went away) only by the server.
 */
export const CLIENT_CALL_END_REASONS = ['hangup', 'failed', 'no-device', 'permission-denied'] as const;

/** An offer nobody answers ends as `unanswered` after this long. */
export const CALL_RING_MS = 45_000;
/**
 * How long a side waits, from `call_connect`, for its peer connection to connect before it gives up and ends the
 * call as `failed` (the server's PARLEY_CALL_CONNECT_TIMEOUT_SECONDS; sent in `call_connect`). Browsers never
 * report `failed` when no candidate pair exists at all (a relay-only side whose TURN server is unreachable): the
 * connection stays `new`, so without this limit such a call would say "Connecting…" for ever.
 */
export const CALL_CONNECT_TIMEOUT_MS = 30_000;
/** A visitor may call back (offer the same kind) this long after an agent's call failed, whatever the widget's calls.visitor. */
export const CALL_RETRY_WINDOW_MS = 5 * 60_000;
/** Longest SDP a `call_signal` may carry (a frame is at most MAX_CLIENT_FRAME_BYTES). */
export const CALL_SDP_MAX = 14_000;

/** Which of its kinds a widget's visitor may start: `audio` allows audio calls, `video` allows audio, video and screen sharing. */
export const VISITOR_CALL_MODES = ['off', 'audio', 'video'] as const;
export type VisitorCallMode = (typeof VISITOR_CALL_MODES)[number];

/** Whether a widget whose visitors may start `mode` lets one offer a call of `kind`. */
export function visitorMayOffer(mode: VisitorCallMode, kind: CallKind): boolean {
  return mode === 'video' || (mode === 'audio' && kind === 'audio');
}

const callIdSchema = v.pipe(
  v.string('must be a string'),
  v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, _ or - (a ULID or UUID works)'),
);

export const callOfferFrameSchema = v.strictObject({
  type: v.literal('call_offer'),
  callId: callIdSchema,
  kind: v.picklist(CALL_KINDS, 'must be one of audio, video, screen'),
});

export const callAcceptFrameSchema = v.strictObject({ type: v.literal('call_accept'), callId: callIdSchema });

export const callDeclineFrameSchema = v.strictObject({ type: v.literal('call_decline'), callId: callIdSchema });

export const callEndFrameSchema = v.strictObject({
  type: v.literal('call_end'),
  callId: callIdSchema,
  reason: v.picklist(CLIENT_CALL_END_REASONS, 'must be one of hangup, failed, no-device, permission-denied'),
});

const sdpSignalSchema = v.strictObject({
  kind: v.literal('sdp'),
  type: v.picklist(['offer', 'answer'], 'must be offer or answer'),
  sdp: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(CALL_SDP_MAX)),
});

/** An RTCIceCandidateInit; `candidate: null` says the sender has gathered every candidate. */
const iceSignalSchema = v.strictObject({
  kind: v.literal('ice'),
  candidate: v.nullable(
    v.strictObject({
      candidate: v.pipe(v.string('must be a string'), v.maxLength(1000)),
      sdpMid: v.optional(v.nullable(v.pipe(v.string('must be a string'), v.maxLength(64)))),
      sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1023)))),
      usernameFragment: v.optional(v.nullable(v.pipe(v.string('must be a string'), v.maxLength(256)))),
    }),
  ),
});

export const callSignalSchema = v.variant('kind', [sdpSignalSchema, iceSignalSchema], 'must be a signal of kind sdp or ice');
export type CallSignal = v.InferOutput<typeof callSignalSchema>;

export const callSignalFrameSchema = v.strictObject({ type: v.literal('call_signal'), callId: callIdSchema, signal: callSignalSchema });

/** One STUN or TURN server, as RTCPeerConnection's `iceServers` takes it. */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** A call as every link of the conversation sees it (the `call` frame), and as its transcript event records it. */
export interface CallInfo {
  readonly id: string;
  readonly kind: CallKind;
  readonly state: 'ringing' | 'active' | 'ended';
  /** Who offered it. */
  readonly caller: Author;
  /** Who accepted (or declined) it; null while ringing or when it ended unanswered. */
  readonly callee: Author | null;
  readonly startedAt: string;
  readonly acceptedAt: string | null;
  readonly endedAt: string | null;
  /** From acceptance to end; null for a call never accepted. */
  readonly durationMs: number | null;
  readonly endReason: CallEndReason | null;
}

/** What a call's transcript event holds in `payload` (the message's type is `event`). */
export interface CallEventPayload extends Omit<CallInfo, 'state'> {
  readonly event: 'call';
}

export type CallServerFrame =
  /** Every link of the conversation: the call was offered (`ringing`), accepted (`active`) or ended; also sent after `welcome` while one is open. */
  | { readonly type: 'call'; readonly call: CallInfo }
  /**
   * The two links the call is bound to, when it is accepted: connect with these ICE servers. The link with
   * `offerer` (the caller's) creates the SDP offer; the other answers. A side whose connection is not up within
   * `connectTimeoutMs` ends the call as `failed` (absent from servers before it: CALL_CONNECT_TIMEOUT_MS).
   */
  | {
      readonly type: 'call_connect';
      readonly callId: string;
      readonly offerer: boolean;
      readonly iceServers: readonly IceServer[];
      readonly connectTimeoutMs?: number;
    }
  /** Signalling from the other bound link, as it was sent. */
  | { readonly type: 'call_signal'; readonly callId: string; readonly signal: CallSignal };
