import type { JSX } from 'preact';
import type { SessionInfo } from '../../src/serve/api-types.ts';
import { useApi } from './api.ts';
import { useLiveStatus } from './live.ts';
import { ArtifactPage } from './pages/artifact-page.tsx';
import { ComparePage } from './pages/compare-page.tsx';
import { LibraryPage } from './pages/library-page.tsx';
import { ProgramPage } from './pages/program-page.tsx';
import { RunPage } from './pages/run-page.tsx';
import { RunsPage } from './pages/runs-page.tsx';
import { TrajectoryPage } from './pages/trajectory-page.tsx';
import { Link, matchRoute, useLocation, type Location } from './router.tsx';
import { applyTheme, useTheme } from './theme.ts';

/** The frame (header, navigation, theme switch, live indicator) and the route table. */
export function App(): JSX.Element {
  const location = useLocation();
  const session = useApi<SessionInfo>('/api/session');
  const theme = useTheme();
  const live = useLiveStatus();
  const section = location.path.startsWith('/library') ? 'library' : location.path.startsWith('/compare') ? 'compare' : 'runs';
  return (
    <div class="shell">
      <header class="top-bar">
        <Link href="/" class="brand">
          Lamarck
        </Link>
        <nav class="main-nav">
          <Link href="/" class={section === 'runs' ? 'active' : ''}>
            Runs
          </Link>
          <Link href="/library" class={section === 'library' ? 'active' : ''}>
            Library
          </Link>
          <Link href="/compare" class={section === 'compare' ? 'active' : ''}>
            Compare
          </Link>
        </nav>
        <span class="spacer" />
        <span class={live ? 'live-dot on' : 'live-dot'} title={live ? 'live updates connected' : 'live updates disconnected'} data-testid="live-status">
          {live ? 'live' : 'offline'}
        </span>
        <span class="muted store-name" title={session.data?.store.location}>
          {session.data === undefined ? '' : `${session.data.store.kind} store`}
        </span>
        <button type="button" class="theme-toggle" data-testid="theme-toggle" onClick={() => applyTheme(theme === 'dark' ? 'light' : 'dark', true)} title="switch light and dark">
          {theme === 'dark' ? '☀ light' : '☾ dark'}
        </button>
      </header>
      <main class="content">{route(location, session.data)}</main>
    </div>
  );
}

function route(location: Location, session: SessionInfo | undefined): JSX.Element {
  const { path, query } = location;
  if (path === '/' || path === '/runs') return <RunsPage />;
  let params = matchRoute('/runs/:id/:tab?', path);
  if (params !== null) return <RunPage runId={params['id']!} tab={params['tab']} query={query} />;
  params = matchRoute('/programs/:id/:tab?', path);
  if (params !== null) return <ProgramPage programId={params['id']!} tab={params['tab']} />;
  params = matchRoute('/trajectories/:id', path);
  if (params !== null) return <TrajectoryPage trajectoryId={params['id']!} />;
  if (path === '/library') return <LibraryPage kind={query.get('kind') ?? undefined} />;
  params = matchRoute('/library/:kind/:name', path);
  if (params !== null) return <ArtifactPage kind={params['kind']!} name={params['name']!} session={session} />;
  if (path === '/compare') return <ComparePage runIds={(query.get('runs') ?? '').split(',').filter((id) => id !== '')} />;
  return (
    <div class="panel">
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <Link href="/">Back to the runs.</Link>
      </p>
    </div>
  );
}
