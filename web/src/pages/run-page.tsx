import type { JSX } from 'preact';
import type { RunDetail } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { ErrorNote, Loading, StatusBadge } from '../components/page-bits.tsx';
import { formatTime } from '../format.ts';
import { useLive } from '../live.ts';
import { AgentRunPage } from './agent-run-page.tsx';
import { EvolveRunPage } from '../evolve/evolve-run-page.tsx';
import { LearnRunPage } from './learn-run-page.tsx';

/** A run's page: the header every kind shares, then the evolve, learn or agent view. */
export function RunPage(props: { runId: string; tab: string | undefined; query: URLSearchParams }): JSX.Element {
  const detail = useApi<RunDetail>(`/api/runs/${encodeURIComponent(props.runId)}`);
  useLive(props.runId, detail.reload, 400);
  if (detail.data === undefined) return detail.error === undefined ? <Loading what="the run" /> : <ErrorNote message={detail.error} />;
  const run = detail.data;
  return (
    <div>
      <div class="page-title">
        <div>
          <h1 data-testid="run-name">{run.row.name === '' ? run.row.id : run.row.name}</h1>
          <p class="muted">
            <span class="mono" data-testid="run-id">
              {run.row.id}
            </span>{' '}
            · {run.row.kind} run · started {formatTime(run.row.createdAt)}
          </p>
        </div>
        <StatusBadge status={run.row.status} />
      </div>
      {run.stopMessage === null ? null : <p class="notice">{run.stopMessage}</p>}
      {run.row.kind === 'evolve' ? (
        <EvolveRunPage run={run} tab={props.tab ?? 'overview'} query={props.query} />
      ) : run.row.kind === 'learn' ? (
        <LearnRunPage run={run} />
      ) : (
        <AgentRunPage run={run} />
      )}
    </div>
  );
}
