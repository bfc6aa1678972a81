import { useState } from 'preact/hooks';
import { ErrorNote } from '../ui/feedback.js';
import { loadPrefs, savePrefs, type NotificationPrefs } from './notifications.js';

export function NotificationSettings() {
  const [prefs, setPrefs] = useState(loadPrefs);
  const [note, setNote] = useState<string | null>(null);
  const update = async (patch: Partial<NotificationPrefs>) => {
    let next = { ...prefs, ...patch };
    if (patch.browser === true && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        next = { ...next, browser: false };
        setNote('The browser refused notifications. Allow them for this site in the browser settings, then try again.');
      }
    }
    setPrefs(next);
    savePrefs(next);
  };
  const box = (key: keyof NotificationPrefs, label: string) => (
    <div class="field check">
      <input id={`notify-${key}`} type="checkbox" checked={prefs[key]} onChange={(e) => void update({ [key]: e.currentTarget.checked })} />
      <label for={`notify-${key}`}>{label}</label>
    </div>
  );
  return (
    <section class="card narrow" aria-labelledby="notify-title">
      <h2 id="notify-title">Notifications</h2>
      <p class="muted">For new messages in your conversations.</p>
      {box('sound', 'Play a sound')}
      {box('title', 'Show the unread count in the tab title')}
      {box('browser', 'Browser notifications while the tab is in the background')}
      <ErrorNote message={note} />
    </section>
  );
}
