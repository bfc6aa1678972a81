import { CALL_CONNECT_TIMEOUT_MS, type CallSignal, type IceServer } from '@parley/protocol';
import { Emitter } from '../realtime/emitter.js';

export type CallPeerState = 'connecting' | 'connected' | 'failed' | 'closed';

export interface CallPeerEvents {
  /** The other side's media (audio, video or their shared screen), once its first track arrives. */
  remote: MediaStream;
  state: CallPeerState;
  /** A signal to send to the other side (`call_signal`), through the conversation's link. */
  signal: CallSignal;
}

/** The RTCPeerConnection constructor (injected: tests give a fake, browsers their own). */
export type PeerConnectionConstructor = new (configuration: RTCConfiguration) => RTCPeerConnection;

export interface CallPeerOptions {
  readonly iceServers: readonly IceServer[];
  /** From `call_connect`: this side creates the SDP offer (the caller); the other answers. */
  readonly offerer: boolean;
  /** What this side sends (its microphone, camera or screen); null when it only receives (an agent watching a screen). */
  readonly local: MediaStream | null;
  /** What to ask of the other side when this side has nothing of that kind to send (an agent watching a screen). */
  readonly receive: { readonly audio: boolean; readonly video: boolean };
  readonly RTCPeerConnection: PeerConnectionConstructor;
  /**
   * From `call_connect`: not connected by then is `failed`. Browsers report `failed` only once every candidate pair
   * failed; with no pair at all (a relay-only side whose TURN server cannot be reached) they stay `new` for ever.
   */
  readonly connectTimeoutMs?: number;
}

/**
 * One side of a call's WebRTC connection, shared by the console and the widget's call extra. It speaks
 * signalling through `signal` events and `accept(signal)`, never the network itself: the conversation's
 * realtime link carries it (`Connection.call`). Candidates that arrive before the remote description are
 * held until it is set. `failed` means ICE could not connect (or lost the path for good): the UI ends the
 * call with reason `failed` and may offer a new one.
 */
export class CallPeer extends Emitter<CallPeerEvents> {
  private readonly pc: RTCPeerConnection;
  private readonly pending: RTCIceCandidateInit[] = [];
  private remoteSet = false;
  private remoteStream: MediaStream | null = null;
  private state: CallPeerState = 'connecting';
  private readonly connectTimer: ReturnType<typeof setTimeout>;

  constructor(private readonly options: CallPeerOptions) {
    super();
    this.connectTimer = setTimeout(() => {
      if (this.state === 'connecting') this.setState('failed');
    }, options.connectTimeoutMs ?? CALL_CONNECT_TIMEOUT_MS);
    this.pc = new options.RTCPeerConnection({
      iceServers: options.iceServers.map((server) => ({ ...server, urls: [server.urls].flat() })),
    });
    this.pc.onicecandidate = (event) =>
      this.emit('signal', { kind: 'ice', candidate: event.candidate === null ? null : candidateInit(event.candidate) });
    this.pc.ontrack = (event) => {
      const stream = event.streams[0] ?? this.remoteStream ?? new MediaStream();
      if (event.streams[0] === undefined) stream.addTrack(event.track);
      if (this.remoteStream === stream) return;
      this.remoteStream = stream;
      this.emit('remote', stream);
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === 'connected') this.setState('connected');
      else if (state === 'failed') this.setState('failed');
    };
    const tracks = options.local?.getTracks() ?? [];
    for (const track of tracks) this.pc.addTrack(track, options.local as MediaStream);
    const sends = (kind: 'audio' | 'video'): boolean => tracks.some((track) => track.kind === kind);
    for (const kind of ['audio', 'video'] as const) {
      if (options.receive[kind] && !sends(kind) && options.offerer) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  /** The offerer starts the exchange; the answerer waits for the offer. */
  async start(): Promise<void> {
    if (!this.options.offerer) return;
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.sendDescription();
  }

  /** A `call_signal` from the other side. */
  async accept(signal: CallSignal): Promise<void> {
    if (this.state === 'closed') return;
    if (signal.kind === 'sdp') {
      await this.pc.setRemoteDescription({ type: signal.type, sdp: signal.sdp });
      this.remoteSet = true;
      for (const candidate of this.pending.splice(0)) await this.pc.addIceCandidate(candidate);
      if (signal.type === 'offer') {
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        this.sendDescription();
      }
      return;
    }
    if (signal.candidate === null) return;
    const candidate = toRtc(signal.candidate);
    if (this.remoteSet) await this.pc.addIceCandidate(candidate);
    else this.pending.push(candidate);
  }

  /** Bytes received so far over every inbound RTP stream: it grows while media arrives. */
  async bytesReceived(): Promise<number> {
    let total = 0;
    (await this.pc.getStats()).forEach((report: { type?: string; bytesReceived?: number }) => {
      if (report.type === 'inbound-rtp') total += report.bytesReceived ?? 0;
    });
    return total;
  }

  get connectionState(): CallPeerState {
    return this.state;
  }

  close(): void {
    if (this.state === 'closed') return;
    this.pc.close();
    this.setState('closed');
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (description !== null && (description.type === 'offer' || description.type === 'answer')) {
      this.emit('signal', { kind: 'sdp', type: description.type, sdp: description.sdp });
    }
  }

  private setState(state: CallPeerState): void {
    if (this.state === state || this.state === 'closed') return;
    this.state = state;
    clearTimeout(this.connectTimer);
    this.emit('state', state);
  }
}

type WireCandidate = Extract<CallSignal, { kind: 'ice' }>['candidate'] & object;

/** The candidate as the wire schema takes it (every field present or absent, never undefined). */
function candidateInit(candidate: RTCIceCandidate): WireCandidate {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid,
    sdpMLineIndex: candidate.sdpMLineIndex,
    usernameFragment: candidate.usernameFragment,
  };
}

function toRtc(candidate: WireCandidate): RTCIceCandidateInit {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    ...(candidate.usernameFragment === undefined || candidate.usernameFragment === null
      ? {}
      : { usernameFragment: candidate.usernameFragment }),
  };
}
