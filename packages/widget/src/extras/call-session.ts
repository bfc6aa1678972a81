import type { CallInfo, CallKind, CallSignal, ClientFrame, IceServer, ServerFrame } from '@parley/protocol';
import type { ManagedSource } from '../core/managed-source.js';
import type { Controller } from '../ui/controller.js';

// The visitor's side of a call without its panel (call.tsx draws that): the call's state, its signalling on the
// conversation's link, the peer connection and the media. Only call.tsx imports it, so it is bundled into the call
// extra, not a chunk of its own. It imports nothing of the core: @parley/client's CallPeer extends the core's
// Emitter, which would become a chunk of its own on the core's path, so the few lines of RTCPeerConnection it
// needs are here.

export type Problem = 'failed' | 'no-device' | 'permission-denied';

/** What the panel shows: the server's call (null before the visitor's own offer is answered), and this side's media. */
export interface CallView {
  readonly info: CallInfo | null;
  /** The kind the visitor asked for, while their offer has no `call` frame yet. */
  readonly kind: CallKind;
  readonly connected: boolean;
  readonly problem: Problem | null;
  readonly local: MediaStream | null;
  readonly remote: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** Enumerated video inputs (the switch shows with more than one). */
  readonly cameras: number;
  /** Audio outputs the browser can play the call on (setSinkId), by device id; the switch shows with more than one. */
  readonly speakers: readonly string[];
  /** The output the call plays on: '' is the browser's default. */
  readonly speaker: string;
}

type CallFrame = Extract<ClientFrame, { type: `call_${string}` }>;

let source: ManagedSource | undefined;
let ctl: Controller | undefined;
let view: CallView | null = null;
/** The call as the panel shows it now (null: no call to show). */
export const currentCall = (): CallView | null => view;
let pc: RTCPeerConnection | undefined;
let held: RTCIceCandidateInit[] = [];
let facing: 'user' | 'environment' = 'user';
const listeners = new Set<() => void>();

/** A new call's view before any media: not connected, nothing muted, no device listed yet. */
const NO_MEDIA_YET = {
  connected: false,
  problem: null,
  remote: null,
  muted: false,
  cameraOff: false,
  cameras: 0,
  speakers: [],
  speaker: '',
} as const satisfies Partial<CallView>;

function set(next: Partial<CallView> | null): void {
  view = next === null ? null : ({ ...(view as CallView), ...next } as CallView);
  listeners.forEach((listener) => listener());
}

/** Calls `listener` on every change of the call; returns the function that stops it. */
export function onCallChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The panel's Close on an ended or failed call: nothing is shown any more. */
export const dismissCall = (): void => set(null);

/** The widget whose header draws the call tools (a call frame before it sets the controller from its source). */
export function bindController(controller: Controller): void {
  ctl = controller;
}

/** Retry: a new call of the same kind (a new offer, so a new negotiation with fresh ICE servers and credentials). */
export const retryCall = (kind: CallKind): Promise<void> => startCall(ctl as Controller, kind);

interface Link {
  readonly state: { readonly kind: string };
  readonly generation: number;
  sendFrame(frame: object, generation: number): void;
  on(event: 'state', listener: (state: { readonly kind: string }) => void): () => void;
}

const linkOf = (): Link | undefined => (source as unknown as { connection?: Link } | undefined)?.connection;
let watched: Link | undefined;

/** Sends a call frame on the managed source's open link (calls are never queued: a call is bound to one live link). */
function send(frame: CallFrame): boolean {
  const link = linkOf();
  watch(link);
  if (link?.state.kind !== 'open') return false;
  link.sendFrame(frame, link.generation);
  return true;
}

/**
 * A call is bound to the link it was made on: when that link drops (network, the server node stopped or crashed),
 * the server ends the call (at once, or when the node's lease runs out), so this side ends it now and says so.
 */
function watch(link: Link | undefined): void {
  if (link === undefined || watched === link) return;
  watched = link;
  link.on('state', (state) => {
    const info = view?.info;
    if (state.kind === 'open' || !info || info.state === 'ended' || view?.problem) return;
    hangUpMedia();
    set({ info: { ...info, state: 'ended', endReason: 'peer-gone' }, local: null, remote: null, connected: false });
  });
}

const callId = (): string => `call-${crypto.randomUUID()}`;
export const mine = (info: CallInfo): boolean => info.caller.role === 'visitor';

/** Stops this side's media and the peer connection (the view stays, for the ended or failed line). */
function hangUpMedia(): void {
  view?.local?.getTracks().forEach((track) => track.stop());
  pc?.close();
  pc = undefined;
  held = [];
}

/** The camera/microphone (or screen) for a call of `kind`; the failure as the reason the server records. */
async function media(kind: CallKind): Promise<MediaStream | Problem> {
  try {
    if (kind === 'screen') return await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: kind === 'video' ? { facingMode: facing } : false });
  } catch (error) {
    const name = (error as { name?: string }).name;
    return name === 'NotAllowedError' || name === 'SecurityError'
      ? 'permission-denied'
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? 'no-device'
        : 'failed';
  }
}

/** A call frame from the conversation's link (the core's managed source hands them over). */
export function onCallFrame(frame: ServerFrame, from: ManagedSource): void {
  source = from;
  watch(linkOf());
  ctl ??= from.options.ctl;
  // The chrome extra renders the panel in the window's header: it looks for this flag in the view.
  if (ctl && !ctl.store.state.call) ctl.store.set({ call: true });
  if (frame.type === 'call') return onCall(frame.call);
  if ((frame.type !== 'call_connect' && frame.type !== 'call_signal') || view?.info?.id !== frame.callId) return;
  if (frame.type === 'call_connect') void connect(frame.offerer, frame.iceServers, frame.connectTimeoutMs);
  else void signal(frame.signal);
}

function onCall(info: CallInfo): void {
  if (info.state === 'ended') {
    if (view?.info?.id !== info.id && view !== null) return;
    hangUpMedia();
    return set(view === null ? null : { info, local: null, remote: null, connected: false });
  }
  // Another call of this conversation (the visitor's other tab accepted, or a stale one): only ours or a new one counts.
  if (view !== null && view.info !== null && view.info.id !== info.id && view.info.state !== 'ended') return;
  const fresh = view === null || view.info?.id !== info.id;
  set({
    ...(fresh ? { ...NO_MEDIA_YET, local: view?.info === null ? view.local : null } : {}),
    info,
    kind: info.kind,
  });
  // An agent's call: the window opens on the prompt (a closed bubble would hide it).
  if (info.state === 'ringing' && !mine(info)) ctl?.setOpen(true);
}

// The protocol's CALL_CONNECT_TIMEOUT_MS, for a server that does not send connectTimeoutMs (a value import of the
// protocol here moves code into the core's chunk: +230 B brotli).
async function connect(offerer: boolean, iceServers: readonly IceServer[], timeoutMs = 30_000): Promise<void> {
  const local = view?.local ?? null;
  const peer = (pc = new RTCPeerConnection({ iceServers: iceServers.map((server) => ({ ...server, urls: [server.urls].flat() })) }));
  const id = view?.info?.id ?? '';
  // ICE failed, or never got going (no candidate pair at all: the browser then stays 'new' and never says failed).
  const fail = (): void => {
    if (pc !== peer || view?.connected) return;
    send({ type: 'call_end', callId: id, reason: 'failed' });
    hangUpMedia();
    set({ problem: 'failed' });
  };
  setTimeout(fail, timeoutMs);
  peer.onicecandidate = ({ candidate }) =>
    void send({
      type: 'call_signal',
      callId: id,
      signal: {
        kind: 'ice',
        candidate:
          candidate === null
            ? null
            : {
                candidate: candidate.candidate,
                sdpMid: candidate.sdpMid,
                sdpMLineIndex: candidate.sdpMLineIndex,
                usernameFragment: candidate.usernameFragment,
              },
      },
    });
  peer.ontrack = ({ streams, track }) => {
    const stream = streams[0] ?? view?.remote ?? new MediaStream();
    if (streams[0] === undefined) stream.addTrack(track);
    set({ remote: stream });
  };
  peer.onconnectionstatechange = () => {
    if (pc !== peer) return;
    if (peer.connectionState === 'connected') set({ connected: true });
    else if (peer.connectionState === 'failed') {
      set({ connected: false });
      fail();
    }
  };
  for (const track of local?.getTracks() ?? []) peer.addTrack(track, local as MediaStream);
  // A voice call receives audio only; video and the agent's screen request receive what the agent sends.
  if (offerer) {
    if (!local?.getAudioTracks().length) peer.addTransceiver('audio', { direction: 'recvonly' });
    if (view?.kind === 'video' && !local?.getVideoTracks().length) peer.addTransceiver('video', { direction: 'recvonly' });
    await peer.setLocalDescription(await peer.createOffer());
    describe(peer, id);
  }
}

function describe(peer: RTCPeerConnection, id: string): void {
  const { localDescription } = peer;
  if (localDescription && (localDescription.type === 'offer' || localDescription.type === 'answer'))
    send({ type: 'call_signal', callId: id, signal: { kind: 'sdp', type: localDescription.type, sdp: localDescription.sdp } });
}

async function signal(incoming: CallSignal): Promise<void> {
  const peer = pc;
  if (peer === undefined) return;
  if (incoming.kind === 'sdp') {
    await peer.setRemoteDescription(incoming);
    for (const candidate of held.splice(0)) await peer.addIceCandidate(candidate);
    if (incoming.type === 'offer') {
      await peer.setLocalDescription(await peer.createAnswer());
      describe(peer, view?.info?.id ?? '');
    }
    return;
  }
  if (incoming.candidate === null) return;
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = incoming.candidate;
  const init: RTCIceCandidateInit = {
    candidate,
    sdpMid: sdpMid ?? null,
    sdpMLineIndex: sdpMLineIndex ?? null,
    ...(usernameFragment ? { usernameFragment } : {}),
  };
  if (peer.remoteDescription) await peer.addIceCandidate(init);
  else held.push(init);
}

/** Cameras and, where the browser can choose one (setSinkId), audio outputs: listed once media is granted (labels, ids). */
async function countDevices(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  const outputs = 'setSinkId' in HTMLMediaElement.prototype ? devices.filter((device) => device.kind === 'audiooutput') : [];
  set({
    cameras: devices.filter((device) => device.kind === 'videoinput').length,
    // 'default' and 'communications' name another device of the list again (Chromium): one entry per device.
    speakers: outputs.map((device) => device.deviceId).filter((id) => id !== 'default' && id !== 'communications'),
  });
}

/** Phones and headsets: the call plays on the next audio output (speaker, earpiece, headset), in turn. */
export function switchSpeaker(): void {
  const speakers = view?.speakers ?? [];
  set({ speaker: speakers[(speakers.indexOf(view?.speaker ?? '') + 1) % speakers.length] ?? '' });
}

/** The visitor accepts the agent's call (or consents to share their screen): media first, then the answer. */
export async function accept(): Promise<void> {
  const info = view?.info;
  if (!info) return;
  const got = await media(info.kind);
  send({ type: 'call_accept', callId: info.id });
  if (typeof got === 'string') {
    // Told to the agent as the reason (their panel says the visitor's camera was refused or missing).
    send({ type: 'call_end', callId: info.id, reason: got });
    return set({ problem: got });
  }
  set({ local: got });
  if (info.kind === 'screen') got.getVideoTracks()[0]?.addEventListener('ended', () => end());
  if (info.kind !== 'screen') void countDevices();
}

export function decline(): void {
  if (view?.info) send({ type: 'call_decline', callId: view.info.id });
}

/** Ends the call this side is in (or takes back its offer). */
export function end(): void {
  const info = view?.info;
  if (info && info.state !== 'ended') send({ type: 'call_end', callId: info.id, reason: 'hangup' });
  hangUpMedia();
}

/** The visitor calls (calls.visitor allows `kind`): media first, then a conversation and its link, then the offer. */
export async function startCall(controller: Controller, kind: CallKind): Promise<void> {
  ctl = controller;
  set({ ...NO_MEDIA_YET, info: null, kind, local: null });
  const got = await media(kind);
  if (typeof got === 'string') return set({ problem: got });
  set({ local: got });
  if (kind !== 'screen') void countDevices();
  // A visitor who has not written yet has no conversation: the call starts one (ensureSession makes a new one each time).
  if (controller.persist.read().session === null) controller.share.ensureSession();
  // The offer goes on this tab's link, once it is open (a new conversation's takes a moment).
  for (let tries = 0; tries < 100; tries++) {
    source = (controller.share as unknown as { source?: ManagedSource }).source ?? source;
    if (view?.local !== got) return;
    if (send({ type: 'call_offer', callId: callId(), kind })) return;
    await new Promise((wait) => setTimeout(wait, 150));
  }
  got.getTracks().forEach((track) => track.stop());
  set({ problem: 'failed', local: null });
}

export function toggleMute(): void {
  const muted = !view?.muted;
  view?.local?.getAudioTracks().forEach((track) => (track.enabled = !muted));
  set({ muted });
}

export function toggleCamera(): void {
  const cameraOff = !view?.cameraOff;
  view?.local?.getVideoTracks().forEach((track) => (track.enabled = !cameraOff));
  set({ cameraOff });
}

/** Phones: the other camera (front/back), replacing the sent track without a new offer. */
export async function switchCamera(): Promise<void> {
  facing = facing === 'user' ? 'environment' : 'user';
  const next = await navigator.mediaDevices.getUserMedia({ video: { facingMode: facing } }).catch(() => null);
  const track = next?.getVideoTracks()[0];
  const local = view?.local;
  if (!track || !local) return;
  const sender = pc?.getSenders().find((candidate) => candidate.track?.kind === 'video');
  await sender?.replaceTrack(track);
  local.getVideoTracks().forEach((old) => (local.removeTrack(old), old.stop()));
  local.addTrack(track);
  set({ local, cameraOff: false });
}
