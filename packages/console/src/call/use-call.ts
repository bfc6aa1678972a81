import { CallPeer, type CallClientFrame, type CallingConnection } from '@parley/client';
import type { CallEndReason, CallInfo, CallKind, ServerFrame } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { localMedia, mediaFailure, type MediaFailure } from './local-media.js';

/** Where the agent's side of a call is; `ended` and `failed` stay on screen until dismissed or a new call starts. */
export type CallPhase =
  | { readonly kind: 'idle' }
  | { readonly kind: 'calling'; readonly call: CallInfo | null; readonly callKind: CallKind }
  | { readonly kind: 'incoming'; readonly call: CallInfo }
  | { readonly kind: 'connecting'; readonly call: CallInfo }
  | { readonly kind: 'active'; readonly call: CallInfo }
  | { readonly kind: 'ended'; readonly callKind: CallKind; readonly reason: CallEndReason; readonly byMe: boolean }
  | { readonly kind: 'failed'; readonly callKind: CallKind; readonly message: string };

/** A call is under way (offered, ringing, connecting or live): not idle, and not an ended or failed one still shown. */
export const callInProgress = (phase: CallPhase): boolean => phase.kind !== 'idle' && phase.kind !== 'ended' && phase.kind !== 'failed';

export interface CallControls {
  readonly phase: CallPhase;
  readonly local: MediaStream | null;
  readonly remote: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** Offer a call (`screen`: ask the visitor to share their screen). */
  readonly start: (kind: CallKind) => void;
  readonly accept: () => void;
  readonly decline: () => void;
  readonly end: () => void;
  readonly toggleMute: () => void;
  readonly toggleCamera: () => void;
  readonly dismiss: () => void;
  /** For tests and diagnostics: bytes received from the visitor so far. */
  readonly bytesReceived: () => Promise<number>;
}

const CONNECT_FAILED = 'The call could not connect: the connection to the visitor could not be made or was lost.';

const newCallId = (): string => `call-${crypto.randomUUID()}`;

/** What the agent sends for a call of `kind`: a screen request sends nothing, the visitor's screen comes back. */
const agentSends = (kind: CallKind): { audio: boolean; video: boolean } => ({ audio: kind !== 'screen', video: kind === 'video' });

/**
 * The agent's side of calls in one conversation (docs/calls.md), over the conversation's realtime link:
 * the call's state comes from the server's `call` frames, the media from a CallPeer built on `call_connect`.
 */
export function useCall(link: CallingConnection | null): CallControls {
  const [phase, setPhase] = useState<CallPhase>({ kind: 'idle' });
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [remote, setRemote] = useState<MediaStream | null>(null);
  const [muted, setMuted] = useState(false);
  const [cameraOff, setCameraOff] = useState(false);
  const peer = useRef<CallPeer | null>(null);
  const localRef = useRef<MediaStream | null>(null);
  /** The call this tab takes part in (it offered or accepted it). */
  const mine = useRef<{ id: string; kind: CallKind } | null>(null);
  const phaseRef = useRef(phase);
  phaseRef.current = phase;

  const send = (frame: CallClientFrame): boolean => link?.call(frame) ?? false;

  const release = (): void => {
    peer.current?.close();
    peer.current = null;
    for (const track of localRef.current?.getTracks() ?? []) track.stop();
    localRef.current = null;
    setLocal(null);
    setRemote(null);
    setMuted(false);
    setCameraOff(false);
  };

  const withMedia = async (kind: CallKind): Promise<MediaStream | null | MediaFailure> => {
    const wants = agentSends(kind);
    if (!wants.audio && !wants.video) return null;
    try {
      const stream = await localMedia(wants);
      localRef.current = stream;
      setLocal(stream);
      return stream;
    } catch (error) {
      return mediaFailure(error);
    }
  };

  const onFrame = (frame: ServerFrame): void => {
    if (frame.type === 'call') {
      const call = frame.call;
      const current = mine.current;
      if (call.state === 'ended') {
        if (current !== null && current.id !== call.id) return;
        const wasShown = callInProgress(phaseRef.current);
        release();
        mine.current = null;
        // The visitor's side could not connect (its ICE failed or timed out): the same failure, with Try again.
        if (wasShown && call.endReason === 'failed') setPhase({ kind: 'failed', callKind: call.kind, message: CONNECT_FAILED });
        else if (wasShown && call.endReason !== null) setPhase({ kind: 'ended', callKind: call.kind, reason: call.endReason, byMe: false });
        return;
      }
      if (call.state === 'ringing') {
        if (current?.id === call.id) setPhase({ kind: 'calling', call, callKind: call.kind });
        else if (call.caller.role === 'visitor') setPhase({ kind: 'incoming', call });
        return;
      }
      // Active: this tab's call connects; one answered in another tab or by another agent is not ours.
      if (current?.id === call.id) setPhase({ kind: 'connecting', call });
      else if (phaseRef.current.kind === 'incoming') setPhase({ kind: 'idle' });
      return;
    }
    if (frame.type === 'call_connect') {
      const current = mine.current;
      if (current === null || current.id !== frame.callId) return;
      const created = new CallPeer({
        iceServers: frame.iceServers,
        offerer: frame.offerer,
        local: localRef.current,
        // A screen request receives the visitor's screen only; a call receives what it sends.
        receive: { audio: current.kind !== 'screen', video: current.kind !== 'audio' },
        RTCPeerConnection,
        ...(frame.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: frame.connectTimeoutMs }),
      });
      peer.current = created;
      created.on('signal', (signal) => send({ type: 'call_signal', callId: current.id, signal }));
      created.on('remote', setRemote);
      created.on('state', (state) => {
        if (state === 'connected') setPhase((p) => (p.kind === 'connecting' ? { kind: 'active', call: p.call } : p));
        if (state === 'failed') {
          send({ type: 'call_end', callId: current.id, reason: 'failed' });
          release();
          mine.current = null;
          setPhase({ kind: 'failed', callKind: current.kind, message: CONNECT_FAILED });
        }
      });
      void created.start();
      return;
    }
    if (frame.type === 'call_signal' && peer.current !== null && mine.current?.id === frame.callId) void peer.current.accept(frame.signal);
  };

  useEffect(() => {
    if (link === null) return;
    const offs = [
      link.on('frame', onFrame),
      // The call is bound to this link: when it drops (network, the server node stopped or crashed) the server ends
      // the call (at once, or when the node's lease runs out), so the panel says so now.
      link.on('state', (state) => {
        if (state.kind === 'open' || mine.current === null) return;
        const kind = mine.current.kind;
        release();
        mine.current = null;
        setPhase({ kind: 'failed', callKind: kind, message: 'The call ended: the connection to the server was lost.' });
      }),
      link.on('error', (error) => {
        if (!error.code.startsWith('PARLEY_ERR_CALL_')) return;
        // This side's end crossed the other side's (both gave up on a connection): the call is over already.
        if (error.code === 'PARLEY_ERR_CALL_NOT_FOUND' && mine.current === null) return;
        // Both sides pressed Try again at once: the visitor's call won, and rings here.
        if (error.code === 'PARLEY_ERR_CALL_BUSY' && phaseRef.current.kind === 'incoming') {
          release();
          mine.current = null;
          return;
        }
        const kind = mine.current?.kind ?? 'audio';
        release();
        mine.current = null;
        setPhase({ kind: 'failed', callKind: kind, message: error.message });
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      release();
    };
  }, [link]);

  const start = (kind: CallKind): void => {
    void (async () => {
      release();
      setPhase({ kind: 'calling', call: null, callKind: kind });
      const media = await withMedia(kind);
      if (typeof media === 'string') {
        setPhase({ kind: 'failed', callKind: kind, message: failureText(media) });
        return;
      }
      const id = newCallId();
      mine.current = { id, kind };
      if (!send({ type: 'call_offer', callId: id, kind })) {
        release();
        mine.current = null;
        setPhase({ kind: 'failed', callKind: kind, message: 'Not connected to the conversation: wait for the link, then try again.' });
      }
    })();
  };

  const accept = (): void => {
    const current = phaseRef.current;
    if (current.kind !== 'incoming') return;
    const call = current.call;
    void (async () => {
      const media = await withMedia(call.kind);
      if (typeof media === 'string') {
        send({ type: 'call_end', callId: call.id, reason: media });
        setPhase({ kind: 'failed', callKind: call.kind, message: failureText(media) });
        return;
      }
      mine.current = { id: call.id, kind: call.kind };
      setPhase({ kind: 'connecting', call });
      send({ type: 'call_accept', callId: call.id });
    })();
  };

  const decline = (): void => {
    const current = phaseRef.current;
    if (current.kind !== 'incoming') return;
    send({ type: 'call_decline', callId: current.call.id });
    setPhase({ kind: 'idle' });
  };

  const end = (): void => {
    const current = mine.current;
    if (current !== null) send({ type: 'call_end', callId: current.id, reason: 'hangup' });
    release();
    mine.current = null;
    setPhase({ kind: 'ended', callKind: current?.kind ?? 'audio', reason: 'hangup', byMe: true });
  };

  const toggle = (kind: 'audio' | 'video', on: boolean): void => {
    for (const track of localRef.current?.getTracks() ?? []) if (track.kind === kind) track.enabled = on;
  };

  return {
    phase,
    local,
    remote,
    muted,
    cameraOff,
    start,
    accept,
    decline,
    end,
    toggleMute: () => {
      toggle('audio', muted);
      setMuted(!muted);
    },
    toggleCamera: () => {
      toggle('video', cameraOff);
      setCameraOff(!cameraOff);
    },
    dismiss: () => setPhase({ kind: 'idle' }),
    bytesReceived: () => peer.current?.bytesReceived() ?? Promise.resolve(0),
  };
}

function failureText(reason: MediaFailure): string {
  if (reason === 'permission-denied') return 'The browser refused the camera or microphone: allow them for this site, then try again.';
  if (reason === 'no-device') return 'No camera or microphone was found.';
  return 'The call could not start.';
}
