import type { ComponentChildren, JSX } from 'preact';
import { Link } from '../router.tsx';

/** Small pieces every page uses: headings, loading and error states, badges, tabs, stat cards. */
export function Loading(props: { what?: string }): JSX.Element {
  return <p class="loading">Loading{props.what === undefined ? '' : ` ${props.what}`}…</p>;
}

export function ErrorNote(props: { message: string }): JSX.Element {
  return (
    <p class="error-note" role="alert">
      {props.message}
    </p>
  );
}

export function StatusBadge(props: { status: string }): JSX.Element {
  return <span class={`badge status-${props.status.replace(/[^a-z-]/gi, '')}`}>{props.status}</span>;
}

export function Stat(props: { label: string; value: ComponentChildren; testId?: string; title?: string }): JSX.Element {
  return (
    <div class="stat" title={props.title}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value" data-testid={props.testId}>
        {props.value}
      </div>
    </div>
  );
}

export function Tabs(props: { tabs: { key: string; label: string; href: string }[]; active: string }): JSX.Element {
  return (
    <nav class="tabs" aria-label="sections">
      {props.tabs.map((tab) => (
        <Link key={tab.key} href={tab.href} class={tab.key === props.active ? 'tab active' : 'tab'} data-testid={`tab-${tab.key}`}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; testId?: string }): JSX.Element {
  return (
    <section class="panel" data-testid={props.testId}>
      <header class="panel-header">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}
