/**
 * The console's colour theme: Light, Dark or System (the OS setting, the default). The choice is kept
 * in localStorage; `<html data-theme>` holds the theme it comes to (light or dark, System read from
 * the OS), the one palette switch styles.css knows. theme-boot.ts applies it from a blocking script in
 * <head>, so the first paint already has the right colours, and follows the OS while System is chosen.
 */
export type ThemeChoice = 'light' | 'dark' | 'system';

export const THEME_KEY = 'parley.console.theme';

const DARK_OS = '(prefers-color-scheme: dark)';

export function readTheme(): ThemeChoice {
  let stored: string | null;
  try {
    stored = localStorage.getItem(THEME_KEY);
  } catch {
    // Storage may be disabled (private mode, policy): the choice made on this page, else the OS.
    stored = document.documentElement.dataset['themeChoice'] ?? null;
  }
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  const dark = choice === 'system' ? matchMedia(DARK_OS).matches : choice === 'dark';
  document.documentElement.dataset['theme'] = dark ? 'dark' : 'light';
}

/** While the stored choice is System, an OS switch between light and dark switches the console too. */
export function followSystemTheme(): void {
  matchMedia(DARK_OS).addEventListener('change', () => {
    if (readTheme() === 'system') applyTheme('system');
  });
}

export function saveTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Not stored: the choice lasts for this page only (readTheme finds it on <html>).
    document.documentElement.dataset['themeChoice'] = choice;
  }
  applyTheme(choice);
}
