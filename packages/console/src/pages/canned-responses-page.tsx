import type { CannedResponse } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { refreshCanned, useCanned } from '../inbox/canned-responses.js';
import { useSession } from '../session.js';
import { ErrorNote, PageHeader } from '../ui/feedback.js';
import { plural } from '../ui/plural.js';

/**
 * The team's canned responses (`/shortcut` in a reply). Every agent sees them all and may add one;
 * its author and admins may change or remove it (the server enforces the same rule).
 */
export function CannedResponsesPage() {
  const session = useSession();
  const { list, error: loadError } = useCanned();
  const [editing, setEditing] = useState<CannedResponse | null>(null);
  const [shortcut, setShortcut] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const mayEdit = (item: CannedResponse) => session.agent.role === 'admin' || item.createdBy === session.agent.id;

  const reset = () => {
    setEditing(null);
    setShortcut('');
    setText('');
    setError(null);
  };
  const edit = (item: CannedResponse) => {
    setEditing(item);
    setShortcut(item.shortcut);
    setText(item.text);
    setError(null);
    document.getElementById('canned-shortcut')?.focus();
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = { shortcut: shortcut.trim().replace(/^\//, ''), text };
    try {
      if (editing === null) await api.post('/v1/canned-responses', body);
      else await api.patch(`/v1/canned-responses/${encodeURIComponent(editing.id)}`, body);
      reset();
      await refreshCanned();
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const remove = async (item: CannedResponse) => {
    try {
      await api.delete(`/v1/canned-responses/${encodeURIComponent(item.id)}`);
      if (editing?.id === item.id) reset();
      await refreshCanned();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="Canned responses"
        description="Shared by the whole team: type / and the shortcut in a reply to insert the text. You may change the ones you added; admins may change all."
      />
      <ErrorNote message={loadError === null ? null : `The canned responses could not be loaded: ${loadError}`} />
      <section class="card" aria-labelledby="canned-list-title">
        <h2 id="canned-list-title">{plural(list.length, 'response')}</h2>
        <ul class="plain-list">
          {list.map((item) => (
            <li class="list-row canned-row" key={item.id}>
              <span class="canned-entry">
                <span class="canned-key">/{item.shortcut}</span> <span class="canned-text">{item.text}</span>
                {item.createdBy === session.agent.id ? <span class="muted small"> · added by you</span> : null}
              </span>
              {mayEdit(item) ? (
                <span class="row-actions">
                  <button type="button" class="button small" aria-label={`Edit /${item.shortcut}`} onClick={() => edit(item)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    class="button small danger-ghost"
                    aria-label={`Remove /${item.shortcut}`}
                    onClick={() => void remove(item)}
                  >
                    Remove
                  </button>
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <form class="card narrow" onSubmit={(event) => void submit(event)} aria-labelledby="canned-form-title">
        <h2 id="canned-form-title">{editing === null ? 'Add a response' : `Edit /${editing.shortcut}`}</h2>
        <div class="field">
          <label class="label" for="canned-shortcut">
            Shortcut
          </label>
          <input
            id="canned-shortcut"
            value={shortcut}
            placeholder="refund"
            autocomplete="off"
            aria-describedby="canned-shortcut-help"
            onInput={(e) => setShortcut(e.currentTarget.value)}
          />
          <p class="muted small field-help" id="canned-shortcut-help">
            1–32 lower-case letters, digits, _ or -.
          </p>
        </div>
        <div class="field">
          <label class="label" for="canned-text">
            Text
          </label>
          <textarea id="canned-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <ErrorNote message={error} />
        <div class="row-actions">
          <button type="submit" class="button primary">
            {editing === null ? 'Add' : 'Save changes'}
          </button>
          {editing === null ? null : (
            <button type="button" class="button" onClick={reset}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
