import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { UiStrings } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import {
  accept,
  currentCall,
  decline,
  dismissCall,
  end,
  mine,
  onCallChange,
  retryCall,
  startCall,
  switchCamera,
  switchSpeaker,
  toggleCamera,
  toggleMute,
  bindController,
  type CallView,
} from './call-session.js';

// The visitor's side of calls (docs/calls.md), loaded by the core on the first call frame or by the chrome extra
// when the widget lets the visitor call (calls.visitor): the header's call buttons and the call panel. The call's
// state, signalling and media are in call-session.ts. It imports nothing of the core but what the other extras
// share (Preact, useView).

export { onCallFrame } from './call-session.js';

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
  useEffect(() => onCallChange(() => tick((count) => count + 1)), []);
  return currentCall();
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
  <button class="ok" onClick={() => void retryCall(call.kind)}>
    {strings.retry}
  </button>
);

/**
 * The header's call buttons (what calls.visitor allows, in the tab holding the conversation's link, with no call
 * going on) and, over the window, the incoming call, the call panel or the screen-sharing bar. Rendered by the
 * chrome extra's header tools.
 */
export function CallTools({ ctl: controller }: { readonly ctl: Controller }): VNode {
  bindController(controller);
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
  const close = <button onClick={dismissCall}>{strings.dialogClose}</button>;
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
