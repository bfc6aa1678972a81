import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CallInfo, CallKind, CallSignal, ClientFrame, IceServer, ServerFrame, UiStrings } from '@parley/protocol';
import type { ManagedSource } from '../core/managed-source.js';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';

// The visitor's side of calls (docs/calls.md), loaded by the core on the first call frame or by the chrome extra
// when the widget lets the visitor call (calls.visitor). It imports nothing of the core but what the other extras
// share (Preact, useView): @parley/client's CallPeer extends the core's Emitter, which would become a chunk of its
// own on the core's path, so the few lines of RTCPeerConnection it needs are here.

type Problem = 'failed' | 'no-device' | 'permission-denied';

/** What the panel shows: the server's call (null before the visitor's own offer is answered), and this side's media. */
interface CallView {
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
let pc: RTCPeerConnection | undefined;
let held: RTCIceCandidateInit[] = [];
let facing: 'user' | 'environment' = 'user';
const listeners = new Set<() => void>();

function set(next: Partial<CallView> | null): void {
  view = next === null ? null : ({ ...(view as CallView), ...next } as CallView);
  listeners.forEach((listener) => listener());
}

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
const mine = (info: CallInfo): boolean => info.caller.role === 'visitor';

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
    ...(fresh
      ? {
          connected: false,
          problem: null,
          local: view?.info === null ? view.local : null,
          remote: null,
          muted: false,
          cameraOff: false,
          cameras: 0,
          speakers: [],
          speaker: '',
        }
      : {}),
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
function switchSpeaker(): void {
  const speakers = view?.speakers ?? [];
  set({ speaker: speakers[(speakers.indexOf(view?.speaker ?? '') + 1) % speakers.length] ?? '' });
}

/** The visitor accepts the agent's call (or consents to share their screen): media first, then the answer. */
async function accept(): Promise<void> {
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

function decline(): void {
  if (view?.info) send({ type: 'call_decline', callId: view.info.id });
}

/** Ends the call this side is in (or takes back its offer). */
function end(): void {
  const info = view?.info;
  if (info && info.state !== 'ended') send({ type: 'call_end', callId: info.id, reason: 'hangup' });
  hangUpMedia();
}

/** The visitor calls (calls.visitor allows `kind`): media first, then a conversation and its link, then the offer. */
export async function startCall(controller: Controller, kind: CallKind): Promise<void> {
  ctl = controller;
  set({
    info: null,
    kind,
    connected: false,
    problem: null,
    local: null,
    remote: null,
    muted: false,
    cameraOff: false,
    cameras: 0,
    speakers: [],
    speaker: '',
  });
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

function toggleMute(): void {
  const muted = !view?.muted;
  view?.local?.getAudioTracks().forEach((track) => (track.enabled = !muted));
  set({ muted });
}

function toggleCamera(): void {
  const cameraOff = !view?.cameraOff;
  view?.local?.getVideoTracks().forEach((track) => (track.enabled = !cameraOff));
  set({ cameraOff });
}

/** Phones: the other camera (front/back), replacing the sent track without a new offer. */
async function switchCamera(): Promise<void> {
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

const CALL_CSS = `
.cl{position:absolute;inset:0 0 auto;z-index:6;background:#101418;color:#fff;display:flex;flex-direction:column;gap:10px;padding:12px;max-height:100%;box-shadow:0 8px 24px rgba(0,0,0,.3)}
.cl.vid{height:62%;min-height:260px}
.cl p{margin:0;font-size:14px}
.cl .st{font-weight:600}
.cl .stage{position:relative;flex:1;min-height:0;border-radius:10px;overflow:hidden;background:#000}
.cl .stage video{width:100%;height:100%;object-fit:contain;display:block}
.cl .stage video.cl-me{position:absolute;bottom:8px;inset-inline-end:8px;width:28%;max-width:120px;height:auto;aspect-ratio:3/4;object-fit:cover;border-radius:8px;border:2px solid rgba(255,255,255,.7);background:#222}
.cl .cl-row{display:flex;flex-wrap:wrap;gap:8px;justify-content:center}
.cl button{border:0;border-radius:20px;padding:9px 14px;font-weight:600;font-size:14px;background:#3a424b;color:#fff;min-height:40px}
.cl button[aria-pressed=true]{background:#fff;color:#101418}
.cl button.ok{background:#1b7f3b}
.cl button.no{background:#b3261e}
.cl :focus-visible{outline:3px solid #8ab4f8;outline-offset:2px}
.cl .err{color:#ffb4ab}
.cl.bar{height:auto;flex-direction:row;align-items:center;background:#b3261e;padding:8px 12px}
.cl.bar p{flex:1}
.cl.bar button{background:#fff;color:#7a1a14}
.cb svg{width:20px;height:20px}
`;
let sheet: CSSStyleSheet | undefined;

/** A ref callback: the shadow root gets the call styles once (each extra carries its own, see chrome-styles.ts). */
function adoptCallStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CALL_CSS.trim());
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

function useCall(): CallView | null {
  const [, tick] = useState(0);
  useEffect(() => {
    const listener = () => tick((count) => count + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return view;
}

function Video({
  stream,
  muted,
  class: className,
  label,
  sink,
}: {
  readonly stream: MediaStream;
  readonly muted?: boolean;
  readonly class?: string;
  readonly label: string;
  /** The audio output to play on (the other side's media only); '' the default. */
  readonly sink?: string;
}): VNode {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  useEffect(() => {
    const element = ref.current as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    // A device that went (unplugged headset) keeps the output the call had.
    if (sink !== undefined && element?.setSinkId) element.setSinkId(sink).catch(() => undefined);
  }, [sink]);
  return <video ref={ref} class={className} autoplay playsInline muted={muted === true} aria-label={label} />;
}

const fill = (text: string, name: string): string => text.replace('{name}', name);

/** Retry: a new call of the same kind (a new offer, so a new negotiation with fresh ICE servers and credentials). */
const retry = (call: CallView, strings: UiStrings): VNode => (
  <button class="ok" onClick={() => void startCall(ctl as Controller, call.kind)}>
    {strings.retry}
  </button>
);

/**
 * The header's call buttons (what calls.visitor allows, in the tab holding the conversation's link, with no call
 * going on) and, over the window, the incoming call, the call panel or the screen-sharing bar. Rendered by the
 * chrome extra's header tools.
 */
export function CallTools({ ctl: controller }: { readonly ctl: Controller }): VNode {
  ctl = controller;
  const state = useView(controller.store);
  const call = useCall();
  const strings = state.config.strings;
  const mode = state.config.calls?.visitor ?? 'off';
  const idle = call === null || call.problem !== null || call.info?.state === 'ended';
  const buttons =
    mode !== 'off' && idle && controller.share.leading && !state.gate
      ? (['audio', ...(mode === 'video' ? (['video'] as const) : [])] as const).map((kind) => {
          const label = kind === 'audio' ? strings.callVoice : strings.callVideo;
          return (
            <button class="ib cb" aria-label={label} title={label} onClick={() => void startCall(controller, kind)}>
              <svg
                viewBox="0 0 24 24"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
                stroke-linejoin="round"
                aria-hidden="true"
              >
                <path d={kind === 'audio' ? PHONE : CAMERA} />
              </svg>
            </button>
          );
        })
      : null;
  return (
    <>
      <span ref={adoptCallStyles} hidden />
      {buttons}
      {call !== null && <CallPanel call={call} strings={strings} />}
    </>
  );
}

const PHONE =
  'M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z';
const CAMERA = 'M23 7l-7 5 7 5V7zM3 5h11a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z';

function CallPanel({ call, strings }: { readonly call: CallView; readonly strings: UiStrings }): VNode | null {
  const { info, problem } = call;
  const agent = info === null ? '' : mine(info) ? (info.callee?.name ?? '') : info.caller.name;
  const close = <button onClick={() => set(null)}>{strings.dialogClose}</button>;
  // Failures first: they end the call here whatever the server's frame says next.
  if (problem !== null) {
    const text = problem === 'permission-denied' ? strings.callDenied : problem === 'no-device' ? strings.callNoDevice : strings.callFailed;
    // A failed connection can always be tried again (after an agent's call the server lets the visitor call back).
    const again = problem !== 'failed' && info !== null && !mine(info) ? null : retry(call, strings);
    return (
      <div class="cl" role="alert">
        <p class="err">{text}</p>
        <div class="cl-row">
          {again}
          {close}
        </div>
      </div>
    );
  }
  if (info !== null && info.state === 'ended') {
    // Why, when it is not a plain hang-up: declined, unanswered, the other side gone, or a failure the other side saw.
    const reason = info.endReason;
    const why =
      reason === 'declined'
        ? strings.callDeclined
        : reason === 'unanswered'
          ? strings.callUnanswered
          : reason === 'peer-gone'
            ? strings.callPeerGone
            : reason === 'failed'
              ? strings.callFailed
              : null;
    return (
      <div class="cl" role="status">
        <p class="st">{strings.callEnded}</p>
        {why && <p>{why}</p>}
        <div class="cl-row">
          {reason === 'failed' && retry(call, strings)}
          {close}
        </div>
      </div>
    );
  }
  if (info !== null && info.state === 'ringing' && !mine(info)) {
    const question = info.kind === 'screen' ? fill(strings.callScreenAsk, agent) : fill(strings.callIncoming, agent);
    const what = info.kind === 'audio' ? strings.callVoice : info.kind === 'video' ? strings.callVideo : strings.callShare;
    return (
      <div class="cl" role="alertdialog" aria-label={question}>
        <p class="st">{question}</p>
        <p>{what}</p>
        <div class="cl-row">
          <button class="ok" onClick={() => void accept()}>
            {info.kind === 'screen' ? strings.callShare : strings.callAccept}
          </button>
          <button class="no" onClick={decline}>
            {strings.callDecline}
          </button>
        </div>
      </div>
    );
  }
  // Sharing the screen: a bar that says so, with Stop, and the chat usable under it.
  if (info?.kind === 'screen') {
    return (
      <div class="cl bar" role="status">
        <p>{strings.callSharing}</p>
        <button onClick={end}>{strings.callStopSharing}</button>
      </div>
    );
  }
  const status =
    info === null || info.state === 'ringing' ? strings.callRinging : call.connected ? strings.callActive : strings.callConnecting;
  const video = call.kind === 'video';
  return (
    <div class={video ? 'cl vid' : 'cl'} role="region" aria-label={call.kind === 'audio' ? strings.callVoice : strings.callVideo}>
      <p class="st" role="status">
        {status}
        {agent && ` · ${agent}`}
      </p>
      {video ? (
        <div class="stage">
          {call.remote && <Video stream={call.remote} label={agent || strings.callVideo} sink={call.speaker} />}
          {call.local && <Video stream={call.local} muted class="cl-me" label={strings.callVideo} />}
        </div>
      ) : (
        call.remote && <Video stream={call.remote} label={agent || strings.callVoice} class="sr" sink={call.speaker} />
      )}
      <div class="cl-row">
        {call.local && (
          <button aria-pressed={call.muted} onClick={toggleMute}>
            {call.muted ? strings.callUnmute : strings.callMute}
          </button>
        )}
        {video && call.local && (
          <button aria-pressed={call.cameraOff} onClick={toggleCamera}>
            {call.cameraOff ? strings.callCameraOn : strings.callCameraOff}
          </button>
        )}
        {video && call.cameras > 1 && <button onClick={() => void switchCamera()}>{strings.callSwitchCamera}</button>}
        {call.local && call.speakers.length > 1 && <button onClick={switchSpeaker}>{strings.callSwitchSpeaker}</button>}
        <button class="no" onClick={end}>
          {strings.callEnd}
        </button>
      </div>
    </div>
  );
}
