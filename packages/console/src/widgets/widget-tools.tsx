import type { Widget } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote, formatDate } from '../ui/feedback.js';

/** Translations (setup) and the identity-verification secret of one widget. */
export function WidgetTools(props: { widget: Widget; onChanged: () => void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { setup } = props.widget;
  const run = async (action: () => Promise<void>) => {
    try {
      await action();
      setMessage(null);
    } catch (caught) {
      setMessage(errorText(caught));
    }
  };
  const base = `/v1/widgets/${encodeURIComponent(props.widget.id)}`;
  return (
    <section class="card" aria-labelledby="tools-title">
      <h2 id="tools-title">Languages and identity</h2>
      <p class="small">
        Translations: <strong>{setup.state === 'done' ? 'ready' : setup.state === 'running' ? 'running…' : 'not built yet'}</strong>
        {setup.completedAt === null ? '' : ` · ${formatDate(setup.completedAt)}`}
        {setup.failures.length > 0 ? ` · ${setup.failures.length} texts fell back to the default` : ''}
      </p>
      <div class="row-actions wrap">
        <button
          type="button"
          class="button small"
          onClick={() => void run(async () => (await api.post(`${base}/setup`), props.onChanged()))}
        >
          Translate texts now
        </button>
        <button
          type="button"
          class="button small"
          onClick={() =>
            void run(async () => setSecret((await api.get<{ identitySecret: string }>(`${base}/identity-secret`)).identitySecret))
          }
        >
          Show identity secret
        </button>
        <button
          type="button"
          class="button small danger-ghost"
          onClick={() =>
            confirm('Rotate the identity secret? Hashes made with the old one stop verifying.') &&
            void run(async () => setSecret((await api.post<{ identitySecret: string }>(`${base}/identity-secret/rotate`)).identitySecret))
          }
        >
          Rotate
        </button>
      </div>
      {secret === null ? null : (
        <p class="small">
          HMAC secret for <code>identity.userHash</code> (keep it on your server): <code class="secret">{secret}</code>
        </p>
      )}
      <ErrorNote message={message} />
    </section>
  );
}
