import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { useSession } from '../session.js';
import { ErrorNote, Notice, PageHeader } from '../ui/feedback.js';
import { languageName } from '../ui/language-name.js';
import { NotificationSettings } from '../inbox/notification-settings.js';
import { readTheme, saveTheme, type ThemeChoice } from '../theme.js';
import type { Agent } from '../types.js';

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
      <LanguageSettings />
      <ThemeSettings />
      <NotificationSettings />
    </div>
  );
}

const THEMES: readonly { readonly value: ThemeChoice; readonly label: string }[] = [
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
  { value: 'system', label: 'System' },
];

/** Light, Dark or System (follows the OS): kept in this browser only, applied at once. */
function ThemeSettings() {
  const [theme, setTheme] = useState<ThemeChoice>(readTheme);
  const choose = (choice: ThemeChoice) => {
    saveTheme(choice);
    setTheme(choice);
  };
  return (
    <section class="card narrow" aria-labelledby="theme-heading">
      <h2 id="theme-heading">Appearance</h2>
      <p class="muted">Theme for this console in this browser. System follows your device's light or dark setting.</p>
      <div class="segmented" role="group" aria-label="Theme">
        {THEMES.map((item) => (
          <button key={item.value} type="button" aria-pressed={theme === item.value} onClick={() => choose(item.value)}>
            {item.label}
          </button>
        ))}
      </div>
    </section>
  );
}

/** Languages offered for live translation; the server takes any BCP 47 tag (PATCH /v1/agents/me { language }). */
const LANGUAGES = [
  'ar',
  'de',
  'en',
  'es',
  'fr',
  'he',
  'hi',
  'it',
  'ja',
  'ko',
  'nl',
  'pl',
  'pt',
  'pt-BR',
  'ru',
  'sv',
  'tr',
  'uk',
  'zh-Hans',
];

/** The language the agent reads and writes in: visitors' messages are translated into it (docs/translation.md). */
function LanguageSettings() {
  const session = useSession();
  const saved = session.agent.language ?? '';
  const [language, setLanguage] = useState(saved);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const options = saved === '' || LANGUAGES.includes(saved) ? LANGUAGES : [saved, ...LANGUAGES];
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      const agent = await api.patch<Agent>('/v1/agents/me', { language: language === '' ? null : language });
      session.update(agent);
      setError(null);
      setDone(true);
    } catch (caught) {
      setError(errorText(caught));
      setDone(false);
    }
  };
  return (
    <form class="card narrow" aria-labelledby="language-heading" onSubmit={(event) => void save(event)}>
      <h2 id="language-heading">Language</h2>
      <p class="muted">
        When a visitor writes in another language, their messages are translated into yours and your replies into theirs (when this
        installation has a translator).
      </p>
      <div class="field">
        <label class="label" for="agent-language">
          I read and write in
        </label>
        <select
          id="agent-language"
          value={language}
          onChange={(e) => {
            setLanguage(e.currentTarget.value);
            setDone(false);
          }}
        >
          <option value="">Not set (no translation)</option>
          {options.map((tag) => (
            <option key={tag} value={tag}>
              {languageName(tag)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote message={error} />
      {done ? <Notice>Language saved.</Notice> : null}
      <button type="submit" class="button primary">
        Save language
      </button>
    </form>
  );
}
