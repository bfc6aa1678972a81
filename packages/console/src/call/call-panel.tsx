import type { CallEndReason, CallKind } from '@parley/protocol';
import { useEffect, useRef } from 'preact/hooks';
import { callInProgress, type CallControls } from './use-call.js';

const KIND: Readonly<Record<CallKind, string>> = { audio: 'Voice call', video: 'Video call', screen: 'Screen sharing' };

const ENDED: Readonly<Record<CallEndReason, string>> = {
  hangup: 'ended',
  declined: 'declined by the visitor',
  failed: 'failed: the connection could not be made or was lost',
  unanswered: 'not answered',
  'peer-gone': 'ended: the visitor left',
  'no-device': 'ended: the visitor has no camera or microphone',
  'permission-denied': 'ended: the visitor did not allow the camera, microphone or screen',
};

/** A <video> playing a stream (srcObject is a property, not an attribute). */
function StreamVideo(props: { stream: MediaStream | null; muted: boolean; label: string; class: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current !== null && ref.current.srcObject !== props.stream) ref.current.srcObject = props.stream;
  }, [props.stream]);
  return <video ref={ref} class={props.class} autoPlay playsInline muted={props.muted} aria-label={props.label} />;
}

/** Call buttons in the conversation header. */
export function CallButtons(props: { call: CallControls; disabled: boolean }) {
  const off = props.disabled || callInProgress(props.call.phase);
  return (
    <div class="call-buttons" role="group" aria-label="Call the visitor">
      <button type="button" class="button small" disabled={off} onClick={() => props.call.start('audio')}>
        Voice call
      </button>
      <button type="button" class="button small" disabled={off} onClick={() => props.call.start('video')}>
        Video call
      </button>
      <button type="button" class="button small" disabled={off} onClick={() => props.call.start('screen')}>
        Ask to share screen
      </button>
    </div>
  );
}

/** The call beside the conversation: the visitor's request, ringing, the live call, or how it ended. */
export function CallPanel(props: { call: CallControls; visitorName: string }) {
  const { call } = props;
  const phase = call.phase;
  if (phase.kind === 'idle') return null;
  if (phase.kind === 'incoming') {
    return (
      <section class="call-panel call-incoming" role="alertdialog" aria-labelledby="call-incoming-title" data-call-state="incoming">
        <h2 id="call-incoming-title">
          {props.visitorName}{' '}
          {phase.call.kind === 'screen' ? 'wants to share their screen' : `is calling (${KIND[phase.call.kind].toLowerCase()})`}
        </h2>
        <div class="call-actions">
          <button type="button" class="button primary" onClick={call.accept}>
            Accept
          </button>
          <button type="button" class="button danger" onClick={call.decline}>
            Decline
          </button>
        </div>
      </section>
    );
  }
  if (phase.kind === 'ended' || phase.kind === 'failed') {
    const text = phase.kind === 'failed' ? phase.message : `${KIND[phase.callKind]} ${phase.byMe ? 'ended' : ENDED[phase.reason]}.`;
    return (
      <section class="call-panel" aria-label="Call" data-call-state={phase.kind}>
        <p role="status">{text}</p>
        <div class="call-actions">
          {phase.kind === 'failed' ? (
            <button type="button" class="button primary" onClick={() => call.start(phase.callKind)}>
              Try again
            </button>
          ) : null}
          <button type="button" class="button ghost" onClick={call.dismiss}>
            Close
          </button>
        </div>
      </section>
    );
  }
  const kind = phase.kind === 'calling' ? phase.callKind : phase.call.kind;
  const status =
    phase.kind === 'calling'
      ? kind === 'screen'
        ? `Asking ${props.visitorName} to share their screen…`
        : `Calling ${props.visitorName}…`
      : phase.kind === 'connecting'
        ? 'Connecting…'
        : kind === 'screen'
          ? `${props.visitorName} is sharing their screen`
          : `${KIND[kind]} with ${props.visitorName}`;
  const sendsVideo = kind === 'video';
  return (
    <section class={`call-panel call-kind-${kind}`} aria-label={KIND[kind]} data-call-state={phase.kind}>
      <p role="status" class="call-status">
        {status}
      </p>
      {kind === 'audio' ? (
        <StreamVideo stream={call.remote} muted={false} label={`${props.visitorName}'s audio`} class="call-audio" />
      ) : (
        <StreamVideo
          stream={call.remote}
          muted={false}
          label={kind === 'screen' ? `${props.visitorName}'s screen` : `${props.visitorName}'s camera`}
          class="call-remote"
        />
      )}
      {sendsVideo ? <StreamVideo stream={call.local} muted label="Your camera" class="call-local" /> : null}
      <div class="call-actions">
        {kind === 'screen' ? null : (
          <button type="button" class="button" aria-pressed={call.muted} onClick={call.toggleMute}>
            {call.muted ? 'Unmute' : 'Mute'}
          </button>
        )}
        {sendsVideo ? (
          <button type="button" class="button" aria-pressed={call.cameraOff} onClick={call.toggleCamera}>
            {call.cameraOff ? 'Camera on' : 'Camera off'}
          </button>
        ) : null}
        <button type="button" class="button danger" onClick={call.end}>
          {phase.kind === 'calling' ? 'Cancel' : 'End'}
        </button>
      </div>
    </section>
  );
}
