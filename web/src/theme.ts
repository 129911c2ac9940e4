import { useEffect, useState } from 'preact/hooks';

/**
 * Light and dark themes: the system's choice unless the user picked one (kept in localStorage).
 * The theme is a `data-theme` attribute on <html>; the CSS variables follow it.
 */
export type Theme = 'light' | 'dark';

const storageKey = 'lamarck-theme';
const listeners = new Set<(theme: Theme) => void>();

function systemTheme(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function storedTheme(): Theme | null {
  try {
    const value = window.localStorage.getItem(storageKey);
    return value === 'dark' || value === 'light' ? value : null;
  } catch {
    return null;
  }
}

export function currentTheme(): Theme {
  return (document.documentElement.dataset['theme'] as Theme | undefined) ?? storedTheme() ?? systemTheme();
}

export function applyTheme(theme: Theme, remember: boolean): void {
  document.documentElement.dataset['theme'] = theme;
  if (remember) {
    try {
      window.localStorage.setItem(storageKey, theme);
    } catch {
      // Storage may be disabled; the choice then lasts for this page only.
    }
  }
  for (const listener of listeners) listener(theme);
}

export function initTheme(): void {
  applyTheme(storedTheme() ?? systemTheme(), false);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (storedTheme() === null) applyTheme(systemTheme(), false);
  });
}

export function useTheme(): Theme {
  const [theme, setTheme] = useState(currentTheme);
  useEffect(() => {
    listeners.add(setTheme);
    return () => {
      listeners.delete(setTheme);
    };
  }, []);
  return theme;
}
