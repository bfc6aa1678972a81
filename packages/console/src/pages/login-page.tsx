import { ParleyApiError } from '@parley/client';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Agent } from '../types.js';
import { ErrorNote } from '../ui/feedback.js';

/** Turns a failed login into what the person should do next. */
function loginError(error: unknown): string {
  if (error instanceof ParleyApiError) {
    if (error.status === 401)
      return 'That email and password do not match an account. Check both and try again, or ask an admin to reset your password.';
    if (error.status === 429) return 'Too many attempts. Wait a minute, then try again.';
    if (error.status === 0) return 'The server cannot be reached. Check that Parley is running and try again.';
    return error.message;
  }
  return 'Logging in failed. Try again.';
}

export function LoginPage(props: { onLogin: (agent: Agent, token: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (email.trim() === '' || password === '') {
      setError('Enter your email and your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api.login(email.trim(), password);
      // Logging in means starting work: routing only assigns to online agents (the status switch changes it).
      const agent =
        answer.agent.status === 'online'
          ? answer.agent
          : await api.patch<Agent>('/v1/agents/me', { status: 'online' }).catch(() => answer.agent);
      props.onLogin(agent, answer.token);
    } catch (caught) {
      setError(loginError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={(event) => void submit(event)} noValidate>
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark">P</span> Parley
        </div>
        <h1>Log in to the console</h1>
        <p class="muted">Answer visitors, and manage widgets, bots and your team.</p>
        <label class="field">
          <span class="label">Email</span>
          <input
            type="email"
            name="email"
            autocomplete="username"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            required
          />
        </label>
        <label class="field">
          <span class="label">Password</span>
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <ErrorNote message={error} />
        <button type="submit" class="button primary wide" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="hint">First start? The server printed the demo admin's email and password in its log.</p>
      </form>
    </main>
  );
}
