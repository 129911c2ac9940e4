import type { JSX } from 'preact';
import type { RunDetail, TrajectoryRow } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { ErrorNote, Loading, Section, Stat, StatusBadge } from '../components/page-bits.tsx';
import { ValueView } from '../components/text-views.tsx';
import { formatCost, formatCount, formatDuration, formatTime, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';
import { TrajectorySteps } from './trajectory-page.tsx';

/** An agent run: its answer and figures, its trajectories, and the first one's steps inline. */
export function AgentRunPage(props: { run: RunDetail }): JSX.Element {
  const runId = props.run.row.id;
  const trajectories = useApi<{ trajectories: TrajectoryRow[] }>(`/api/runs/${encodeURIComponent(runId)}/trajectories`);
  useLive(runId, trajectories.reload, 500);
  const summary = (props.run.summary ?? {}) as Record<string, unknown>;
  const first = trajectories.data?.trajectories[0];
  return (
    <div>
      <div class="stats">
        <Stat label="steps" value={formatCount(props.run.row.iterations)} />
        <Stat label="stop reason" value={String(summary['stopReason'] ?? '—')} />
        <Stat label="cost" value={formatCost(props.run.row.costUsd)} />
        <Stat label="tokens" value={formatCount(props.run.row.tokens)} />
        <Stat label="duration" value={formatDuration(props.run.row.durationMs)} />
      </div>
      <Section title="Answer" testId="agent-answer">
        {typeof summary['answer'] === 'string' ? <ValueView value={summary['answer']} /> : <p class="muted">no answer</p>}
      </Section>
      <Section title="Trajectories">
        {trajectories.error === undefined ? null : <ErrorNote message={trajectories.error} />}
        {trajectories.data === undefined ? (
          <Loading />
        ) : (
          <DataTable
            columns={[
              { key: 'id', label: 'trajectory', render: (row) => <Link href={`/trajectories/${encodeURIComponent(row.id)}`}>{shortId(row.id)}</Link> },
              { key: 'task', label: 'task', render: (row) => row.task },
              { key: 'status', label: 'status', render: (row) => <StatusBadge status={row.status} /> },
              { key: 'model', label: 'model', render: (row) => row.model ?? '' },
              { key: 'cost', label: 'cost', numeric: true, render: (row) => formatCost(row.costUsd) },
              { key: 'started', label: 'started', render: (row) => formatTime(row.createdAt) },
            ]}
            rows={trajectories.data.trajectories}
            rowKey={(row) => row.id}
          />
        )}
      </Section>
      {first === undefined ? null : <TrajectorySteps trajectoryId={first.id} />}
    </div>
  );
}
