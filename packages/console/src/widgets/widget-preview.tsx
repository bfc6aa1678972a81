import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { invalidKeys, previewMessage } from './preview-config.js';
import { diffSettings, validateSettings } from './settings-diff.js';
import type { Values } from './settings-form.js';

/** The frame is laid out at a desktop width and scaled into the column, so the bubble shows as a site's visitor sees it. */
const DESKTOP = { width: 520, height: 700 } as const;
const PHONE = { width: 375, height: 667 } as const;
/** Typing settles for this long before the frame is updated. */
const DEBOUNCE_MS = 250;

/**
 * Beside the form: the real widget (this server's /widget.js, in preview mode) with the unsaved values,
 * updated as they are typed. The frame is sandboxed without an origin of its own and shows a sample
 * conversation: nothing is created on the server, and the widget's origin allowlist does not apply.
 */
export function WidgetPreview(props: { widgetId: string; values: Values; saved: Values }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const box = useRef<HTMLDivElement>(null);
  // Bumped each time the frame's widget says it is ready (a reloaded frame needs the settings again).
  const [ready, setReady] = useState(0);
  const [device, setDevice] = useState<'desktop' | 'phone'>('desktop');
  const [width, setWidth] = useState<number>(DESKTOP.width);
  const message = useMemo(() => {
    const errors = validateSettings(diffSettings(props.saved, props.values));
    return previewMessage(props.widgetId, props.values, props.saved, invalidKeys(errors));
  }, [props.widgetId, props.values, props.saved]);

  useEffect(() => {
    // The frame has no origin to compare (sandboxed): it is recognised as the window this component made.
    const onMessage = (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (event.source === frame.current?.contentWindow && typeof data === 'object' && data !== null && 'parley' in data)
        if (data.parley === 'preview-ready') setReady((count) => count + 1);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);

  useEffect(() => {
    if (ready === 0) return undefined;
    // '*' because a sandboxed frame's origin is opaque and cannot be named; the message goes to this one
    // window only, and holds what the public config endpoint serves anyway (no tools, no allowlist).
    const timer = setTimeout(() => frame.current?.contentWindow?.postMessage(message, '*'), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [ready, message]);

  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const size = device === 'desktop' ? DESKTOP : PHONE;
  const scale = Math.min(1, width / size.width);
  return (
    <section class="card preview-card" aria-labelledby="preview-title">
      <div class="preview-head">
        <h2 id="preview-title">Preview</h2>
        <div class="segmented" role="group" aria-label="Preview size">
          <button type="button" aria-pressed={device === 'desktop'} onClick={() => setDevice('desktop')}>
            Desktop
          </button>
          <button type="button" aria-pressed={device === 'phone'} onClick={() => setDevice('phone')}>
            Phone
          </button>
        </div>
      </div>
      <p class="muted small">The real widget with your unsaved changes and a sample conversation; nothing is sent.</p>
      <div class="preview-box" ref={box} style={{ height: `${Math.round(size.height * scale)}px` }}>
        <iframe
          ref={frame}
          class="preview-frame"
          title="Widget preview (unsaved settings)"
          src="/widget-preview"
          sandbox="allow-scripts"
          // Posting on load too: a ready message sent before this page listened would otherwise leave the frame empty.
          onLoad={() => setReady((count) => count + 1)}
          style={{ width: `${size.width}px`, height: `${size.height}px`, transform: `scale(${scale})` }}
        />
      </div>
    </section>
  );
}
