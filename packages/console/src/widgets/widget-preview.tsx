import { DEFAULT_WIDGET_SETTINGS, type Theme } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { Values } from './settings-form.js';

/**
 * Beside the form: the real widget in an iframe of this server's /embed page once that page exists
 * (it shows saved settings), and always a sketch drawn from the unsaved form values, so every edit
 * is visible as it is typed.
 */
export function WidgetPreview(props: { widgetId: string; values: Values; savedAt: string }) {
  const [embedReady, setEmbedReady] = useState(false);
  const [tab, setTab] = useState<'sketch' | 'live'>('sketch');

  useEffect(() => {
    fetch(`/embed/${encodeURIComponent(props.widgetId)}`, { method: 'HEAD' }).then(
      (response) => setEmbedReady(response.ok && (response.headers.get('content-type') ?? '').includes('text/html')),
      () => setEmbedReady(false),
    );
  }, [props.widgetId]);

  return (
    <section class="card preview-card" aria-labelledby="preview-title">
      <div class="preview-head">
        <h2 id="preview-title">Preview</h2>
        {embedReady ? (
          <div class="segmented" role="group" aria-label="Preview mode">
            <button type="button" aria-pressed={tab === 'sketch'} onClick={() => setTab('sketch')}>
              Unsaved
            </button>
            <button type="button" aria-pressed={tab === 'live'} onClick={() => setTab('live')}>
              Live widget
            </button>
          </div>
        ) : null}
      </div>
      {embedReady && tab === 'live' ? (
        <iframe
          class="preview-frame"
          title="Live widget preview"
          src={`/embed/${encodeURIComponent(props.widgetId)}?preview=${encodeURIComponent(props.savedAt)}`}
        />
      ) : (
        <Sketch values={props.values} />
      )}
    </section>
  );
}

function Sketch({ values }: { values: Values }) {
  const theme: Theme = { ...DEFAULT_WIDGET_SETTINGS.theme, ...(values['theme'] as Theme | undefined) };
  const text = (key: string, fallback: string) => {
    const value = values[key];
    return typeof value === 'string' && value.trim() !== '' ? value : fallback;
  };
  const dark = theme.mode === 'dark';
  const style = {
    '--w-primary': theme.primaryColor ?? '#1f5fd1',
    '--w-on-primary': theme.textOnPrimaryColor ?? '#ffffff',
    '--w-bg': dark ? '#1b1f24' : (theme.backgroundColor ?? '#ffffff'),
    '--w-text': dark ? '#f6f7f9' : (theme.textColor ?? '#1b1f24'),
    '--w-radius': `${theme.radius ?? 14}px`,
    fontFamily: theme.fontFamily,
  };
  const left = theme.position === 'bottom-left';
  return (
    <div class={`sketch${left ? ' left' : ''}`} aria-label="Sketch of the widget with the values in the form" role="img">
      <div class="sketch-window" style={style}>
        <div class="sketch-header">
          <span class="sketch-avatar" aria-hidden="true" />
          <span>{text('title', 'Chat with us')}</span>
        </div>
        <div class="sketch-body">
          {values['intro'] !== undefined && text('intro', '') !== '' ? <p class="sketch-intro">{text('intro', '')}</p> : null}
          <p class="sketch-bubble bot">{text('initial', 'Hi! How can we help?')}</p>
          <p class="sketch-bubble visitor">Do you ship to Canada?</p>
        </div>
        <div class="sketch-composer">{text('placeholder', 'Type a message…')}</div>
        {values['poweredBy'] === false ? null : <div class="sketch-powered">Powered by Parley</div>}
      </div>
      {values['layout'] === 'bubble' || values['layout'] === undefined ? (
        <div class="sketch-launcher" style={style}>
          {theme.launcherIcon === 'help' ? (
            '?'
          ) : (
            <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
              <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
            </svg>
          )}
        </div>
      ) : null}
    </div>
  );
}
