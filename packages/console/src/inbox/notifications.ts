/**
 * New-message notifications for the agent: a short tone (Web Audio, no file to load), the unread
 * count in the tab title, and a browser notification while the tab is hidden. Each can be turned
 * off on the Account page; the choice is kept in localStorage.
 */
const KEY = 'parley.console.notifications';

export interface NotificationPrefs {
  readonly sound: boolean;
  readonly title: boolean;
  readonly browser: boolean;
}

export function loadPrefs(): NotificationPrefs {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    const get = (name: string, fallback: boolean) =>
      typeof stored === 'object' && stored !== null && name in stored ? (stored as Record<string, unknown>)[name] === true : fallback;
    return { sound: get('sound', true), title: get('title', true), browser: get('browser', false) };
  } catch {
    return { sound: true, title: true, browser: false };
  }
}

export function savePrefs(prefs: NotificationPrefs): void {
  localStorage.setItem(KEY, JSON.stringify(prefs));
}

let audio: AudioContext | undefined;

function tone(): void {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  } catch {
    // No audio before the first user gesture, or no audio device: the other channels still work.
  }
}

let baseTitle = 'Parley';
let unreadCount = 0;

function renderTitle(): void {
  document.title = unreadCount > 0 && loadPrefs().title ? `(${unreadCount}) ${baseTitle}` : baseTitle;
}

/** The page's own title; the unread count stays in front of it across navigation. */
export function setBaseTitle(title: string): void {
  baseTitle = title;
  renderTitle();
}

/** Puts "(3) " in front of the title; 0 removes it. */
export function setTitleCount(count: number): void {
  unreadCount = count;
  renderTitle();
}

/** Called for each new visitor message in one of the agent's conversations. */
export function notifyMessage(from: string, text: string, onClick: () => void): void {
  const prefs = loadPrefs();
  if (prefs.sound) tone();
  if (prefs.browser && document.hidden && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    const note = new Notification(`New message from ${from}`, { body: text.slice(0, 140), tag: 'parley-message' });
    note.onclick = () => {
      window.focus();
      onClick();
      note.close();
    };
  }
}
