import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { useSession } from '../session.js';
import { ErrorNote, Notice, PageHeader } from '../ui/feedback.js';
import { NotificationSettings } from '../inbox/notification-settings.js';

export function AccountPage() {
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (next.length < 10) return setError('Choose a new password of at least 10 characters.');
    try {
      await api.post('/v1/auth/password', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setError(null);
      setDone(true);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader title="Account" description={`${session.agent.name} · ${session.agent.email}`} />
      <form class="card narrow" onSubmit={(event) => void submit(event)}>
        <h2>Change password</h2>
        <div class="field">
          <label class="label" for="pw-current">
            Current password
          </label>
          <input
            id="pw-current"
            type="password"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label class="label" for="pw-new">
            New password
          </label>
          <input id="pw-new" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </div>
        <ErrorNote message={error} />
        {done ? <Notice>Password changed. Other sessions stay logged in until they expire.</Notice> : null}
        <button type="submit" class="button primary">
          Change password
        </button>
      </form>
      <NotificationSettings />
    </div>
  );
}
