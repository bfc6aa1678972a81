/**
 * The console's colour theme: Light, Dark or System (the OS setting, the default). The choice is kept
 * in localStorage and shown as `<html data-theme>`; styles.css holds both palettes. theme-boot.ts
 * applies it from a blocking script in <head>, so the first paint already has the right colours.
 */
export type ThemeChoice = 'light' | 'dark' | 'system';

export const THEME_KEY = 'parley.console.theme';

export function readTheme(): ThemeChoice {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(THEME_KEY);
  } catch {
    // Storage may be disabled (private mode, policy): follow the OS.
  }
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  document.documentElement.dataset['theme'] = choice;
}

export function saveTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Not stored: the choice lasts for this page only.
  }
  applyTheme(choice);
}
