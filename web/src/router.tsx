import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * Client-side routing on the History API: the server answers every page path with the same
 * index.html, and this decides what to draw. Small on purpose: a dozen fixed routes need no more.
 */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = (): void => setLocation(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return location;
}

/** Matches `/runs/:id/:tab?` style patterns; returns the parameters or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const source = pattern.replace(/\/:(\w+)(\?)?/g, (_match, name: string, optional?: string) => {
    names.push(name);
    return optional === '?' ? '(?:/([^/]+))?' : '/([^/]+)';
  });
  const match = new RegExp(`^${source}/?$`).exec(path);
  if (match === null) return null;
  const params: Record<string, string> = {};
  names.forEach((name, index) => {
    const value = match[index + 1];
    if (value !== undefined) params[name] = decodeURIComponent(value);
  });
  return params;
}

export function Link(props: { href: string; children: ComponentChildren; class?: string | undefined; title?: string | undefined; 'data-testid'?: string | undefined }): JSX.Element {
  const onClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} class={props.class} title={props.title} data-testid={props['data-testid']}>
      {props.children}
    </a>
  );
}
