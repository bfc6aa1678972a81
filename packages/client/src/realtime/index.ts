// The realtime client's public door: the connection and what callers need to inject or persist.
export { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay, type BackoffOptions } from './backoff.js';
export { createClientId } from './client-id.js';
export { Connection, LOST_CAP_MS, SEND_PATIENCE_MS } from './connection.js';
export { Emitter } from './emitter.js';
export type { ConnectionEvents, ConnectionOptions, ConnectionState, NetworkHooks, Schedule } from './connection-types.js';
export { windowNetworkHooks, type NetworkEventTarget, type VisibilityEventTarget } from './network-hooks.js';
export type { OutboxEntry } from './outbox.js';
export { POLL_WAIT_MS } from './transport.js';
export type { EventSourceConstructor, EventSourceLike } from './sse-transport.js';
export type { Transport, TransportClose, TransportName, TransportTarget } from './transport.js';
export type { WebSocketConstructor, WebSocketLike } from './ws-transport.js';
export { CallingConnection, type CallClientFrame } from '../calls/calling-connection.js';
export {
  CallPeer,
  type CallPeerEvents,
  type CallPeerOptions,
  type CallPeerState,
  type PeerConnectionConstructor,
} from '../calls/call-peer.js';
