import * as v from 'valibot';
import type { ConversationStatus, InboxEventReason, InboxItem, QueuePlace } from './agents.js';
import {
  callAcceptFrameSchema,
  callDeclineFrameSchema,
  callEndFrameSchema,
  callOfferFrameSchema,
  callSignalFrameSchema,
  type CallServerFrame,
} from './calls.js';
import { clientIdSchema, MESSAGE_TEXT_MAX, type Author, type Message } from './message.js';

/**
 * The realtime session protocol: the same frames over WebSocket, Server-Sent Events (+ POST for
 * sends) and long polling. Frames are JSON objects discriminated by `type`. A client says the last
 * `seq` it holds in `hello` and receives everything after it, in order; every `send` gets exactly
 * one outcome (`ack` or `error` with its clientId). Typing and presence are ephemeral; messages and
 * read cursors are durable. Wire names are stable: frame types and close codes are only ever added.
 */
export const REALTIME_VERSION = 1;

/** Largest client frame, in bytes of UTF-8 JSON. Larger frames get an error and a 4009 close. */
export const MAX_CLIENT_FRAME_BYTES = 16_384;
/** The server sends a heartbeat (`ping` frame, or a WebSocket ping) this often; clients treat 2.5× silence as a dead link. */
export const HEARTBEAT_MS = 25_000;
/** How long a typing indicator lasts unless renewed. */
export const TYPING_TTL_MS = 6_000;
/** A connection must send `hello` this soon after it opens, or it is closed with PROTOCOL_ERROR. */
export const HELLO_TIMEOUT_MS = 10_000;
/** Per-connection rate limit (token bucket): sustained frames per second, and the burst on top. */
export const CLIENT_FRAMES_PER_SECOND = 20;
export const CLIENT_FRAME_BURST = 40;
/** Outbound bytes a connection may have queued; past this it is closed with SLOW_CONSUMER. */
export const MAX_OUTBOUND_BYTES = 1_048_576;
/** Longest `wait` a long poll may ask for. */
export const POLL_WAIT_MAX_MS = 25_000;
/**
 * A `messages` frame (the backlog, for clients that said `batch` in hello) holds at most this many
 * messages, and stops earlier at MAX_BATCH_FRAME_BYTES of JSON, so that one frame never nears the
 * outbound limit and the client applies each in one short step.
 */
export const MAX_BATCH_MESSAGES = 200;
export const MAX_BATCH_FRAME_BYTES = 262_144;

// ---- client → server ------------------------------------------------------------------------

export const helloFrameSchema = v.strictObject({
  type: v.literal('hello'),
  // A plain string, not `must be ${REALTIME_VERSION}`: a bundler must assume a template's `${…}` may run
  // code, so it keeps this schema, and valibot with it, in the browser widget, which never validates
  // frames (1.4 KB brotli). `satisfies` keeps the text in step with the constant.
  v: v.literal(REALTIME_VERSION, 'must be 1' satisfies `must be ${typeof REALTIME_VERSION}`),
  /** The highest seq the client holds; 0 for none. */
  lastSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * The client reads `messages` frames: the backlog then arrives in batches instead of one `message`
   * frame each (added in protocol 1 without a version bump: a client that leaves it out is served as before).
   * SSE and poll say it in the URL (`batch=1`).
   */
  batch: v.optional(v.boolean()),
});

export const sendFrameSchema = v.strictObject({
  type: v.literal('send'),
  clientId: clientIdSchema,
  text: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(MESSAGE_TEXT_MAX)),
});

export const typingFrameSchema = v.strictObject({ type: v.literal('typing'), active: v.boolean() });

/** Marks every message up to and including `seq` as read by the sender. */
export const readFrameSchema = v.strictObject({ type: v.literal('read'), seq: v.pipe(v.number(), v.integer(), v.minValue(0)) });

export const pingFrameSchema = v.strictObject({ type: v.literal('ping') });

export const clientFrameSchema = v.variant(
  'type',
  [
    helloFrameSchema,
    sendFrameSchema,
    typingFrameSchema,
    readFrameSchema,
    pingFrameSchema,
    // Calls (calls.ts), added in protocol 1 without a version bump.
    callOfferFrameSchema,
    callAcceptFrameSchema,
    callDeclineFrameSchema,
    callEndFrameSchema,
    callSignalFrameSchema,
  ],
  'must be a frame of type hello, send, typing, read, ping, call_offer, call_accept, call_decline, call_end or call_signal',
);
export type ClientFrame = v.InferOutput<typeof clientFrameSchema>;

// ---- server → client ------------------------------------------------------------------------

export type ConversationOwner = 'bot' | 'queued' | 'human' | 'resolved';

export type ServerFrame =
  /**
   * First frame after `hello`: then the backlog after lastSeq follows as `message` frames, or as
   * `messages` frames when hello said `batch`.
   */
  | {
      readonly type: 'welcome';
      readonly v: number;
      readonly conversationId: string;
      readonly lastSeq: number;
      readonly heartbeatMs: number;
      /** Who owns the conversation now (the same as a `status` frame); later changes come as `status` frames. */
      readonly status?: StatusFrame;
      /** Visitors only: whether humans can answer now (the same as a `presence` frame). */
      readonly presence?: PresenceFrame;
    }
  | { readonly type: 'message'; readonly message: Message }
  /**
   * Several stored messages at once, in seq order (the backlog after lastSeq, or a gap being filled),
   * only to clients that said `batch` in hello. The same guarantees as one `message` frame each:
   * every seq at most once, strictly increasing across frames. SSE gives it the id of its last seq.
   */
  | { readonly type: 'messages'; readonly messages: readonly Message[] }
  /** The message with this clientId is committed (also when it was a resend: `duplicate`). */
  | { readonly type: 'ack'; readonly clientId: string; readonly seq: number; readonly messageId: string; readonly duplicate: boolean }
  | { readonly type: 'typing'; readonly author: Author; readonly active: boolean; readonly expiresInMs: number }
  | { readonly type: 'read'; readonly reader: Pick<Author, 'role' | 'id'>; readonly seq: number }
  /** Streamed bot text: deltas of one future message; `stream_end` names the stored `message`, published just before it. */
  | {
      readonly type: 'stream_delta';
      readonly streamId: string;
      readonly author: Author;
      readonly delta: string;
      /** Where `delta` starts in the whole text; a client holding less text missed pieces (long polling). */
      readonly offset?: number;
    }
  | { readonly type: 'stream_end'; readonly streamId: string; readonly messageId: string | null }
  | StatusFrame
  | PresenceFrame
  /** Calls (calls.ts): `call`, `call_connect`, `call_signal`. */
  | CallServerFrame
  /** Agents' inbox stream (`?inbox=1`) only: a conversation they may see changed; `item` is its new list entry. */
  | { readonly type: 'inbox'; readonly reason: InboxEventReason; readonly item: InboxItem }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  /** The server is going away (deploy, shutdown): reconnect after `afterMs`, probably to another node. */
  | { readonly type: 'reconnect'; readonly afterMs: number; readonly reason: string }
  /** SSE and poll only (they have no close frame of their own): the link ends with this WebSocket close code. */
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | {
      readonly type: 'error';
      readonly code: RealtimeErrorCode;
      readonly message: string;
      /** Set when the error answers a `send`: that message was NOT stored and stays in the outbox. */
      readonly clientId?: string;
      /**
       * PARLEY_ERR_RATE_LIMITED: resend no sooner than this many ms from now (added in protocol 1
       * without a version bump: older clients ignore it and resend after their own backoff, which the
       * server refuses again until the wait is over).
       */
      readonly retryAfterMs?: number;
    };

/**
 * Who owns the conversation, sent on every ownership change (and in `welcome`). `status` is the
 * inbox status; `queue` says the visitor's place and estimated wait while `owner` is `queued`.
 */
export interface StatusFrame {
  readonly type: 'status';
  readonly owner: ConversationOwner;
  readonly assignee: Pick<Author, 'id' | 'name'> | null;
  readonly status?: ConversationStatus;
  readonly queue?: QueuePlace | null;
}

/**
 * To visitors: how many agents can answer. `offline` (no agent online, or outside the widget's
 * business hours) tells the widget to switch to offline mode and ask for an email
 * (`POST /v1/conversations/{id}/contact`); `offlineMessage` is the widget's own text to show (empty: the
 * widget's built-in text, in the visitor's language).
 */
export interface PresenceFrame {
  readonly type: 'presence';
  readonly agentsOnline: number;
  readonly typicalReplyMs: number | null;
  readonly offline?: boolean;
  readonly offlineReason?: 'no_agents' | 'outside_hours' | null;
  readonly offlineMessage?: string;
  /**
   * Whether the server mails agents' replies to a visitor who left an email (`PARLEY_SMTP_URL` is set): without
   * it the widget asks for the email without promising a reply by mail.
   */
  readonly emailReplies?: boolean;
  /**
   * Async mode (docs/async-mode.md): agents are there, but `typicalReplyMs` is longer than the widget's
   * `asyncMode.afterMinutes`: the widget asks a waiting visitor for an email up front and says they may leave.
   * Absent when not.
   */
  readonly asyncMode?: boolean;
}

export type RealtimeErrorCode =
  | 'PARLEY_ERR_FRAME_INVALID_JSON'
  | 'PARLEY_ERR_FRAME_INVALID'
  | 'PARLEY_ERR_FRAME_TOO_LARGE'
  | 'PARLEY_ERR_FRAME_RATE_LIMITED'
  | 'PARLEY_ERR_FRAME_HELLO_REQUIRED'
  | 'PARLEY_ERR_SEND_FAILED'
  /** A volume limit (per session, address or widget): the send was not stored; resend after `retryAfterMs`. */
  | 'PARLEY_ERR_RATE_LIMITED'
  /** A call frame this link may not send: the widget does not let visitors start that kind, or the frame needs a WebSocket link. */
  | 'PARLEY_ERR_CALL_NOT_ALLOWED'
  /** `call_offer` while the conversation already has a call ringing or active. */
  | 'PARLEY_ERR_CALL_BUSY'
  /** The callId names no open call of this conversation this link may act on (it ended, or is bound to another link). */
  | 'PARLEY_ERR_CALL_NOT_FOUND';

/**
 * WebSocket close codes (SSE and poll answer the HTTP equivalents). Each says what the client does:
 * `reconnect` with backoff and resume from lastSeq, `reauth` by creating a new session first, or `stop`.
 */
export const CLOSE_CODES = {
  /** Server shutting down, restarting or shedding load: reconnect after the preceding `reconnect` frame's afterMs (another node, or this one once back). */
  SERVER_RESTART: { code: 4000, action: 'reconnect' },
  /** The token is invalid or expired: create a new session, then reconnect. */
  UNAUTHORIZED: { code: 4001, action: 'reauth' },
  /** The page origin is not allowed, or the widget was deleted: stop. */
  FORBIDDEN: { code: 4003, action: 'stop' },
  /** No hello within the allowed time, or frames that break the protocol: reconnect with backoff. */
  PROTOCOL_ERROR: { code: 4002, action: 'reconnect' },
  /** Too many frames too fast: reconnect with backoff. */
  RATE_LIMITED: { code: 4008, action: 'reconnect' },
  /** A frame over MAX_CLIENT_FRAME_BYTES: reconnect, and do not resend that frame. */
  FRAME_TOO_LARGE: { code: 4009, action: 'reconnect' },
  /** The client read too slowly and its queue overflowed: reconnect and resume from lastSeq. */
  SLOW_CONSUMER: { code: 4010, action: 'reconnect' },
  /** No heartbeat answered: reconnect. */
  HEARTBEAT_TIMEOUT: { code: 4011, action: 'reconnect' },
} as const satisfies Record<string, { code: number; action: 'reconnect' | 'reauth' | 'stop' }>;

export type CloseAction = 'reconnect' | 'reauth' | 'stop';

export function closeAction(code: number): CloseAction {
  for (const entry of Object.values(CLOSE_CODES)) if (entry.code === code) return entry.action;
  return 'reconnect';
}
