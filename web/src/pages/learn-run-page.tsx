import type { JSX } from 'preact';
import type { LearnReport, RunDetail } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { LineChart, palette } from '../components/chart.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorNote, Loading, Section, Stat } from '../components/page-bits.tsx';
import { FieldList } from '../components/text-views.tsx';
import { formatCost, formatCount, formatDuration, formatScore, prettyJson, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/** A learn run: its learning curves per task and every gate decision, rejected ones included. */
export function LearnRunPage(props: { run: RunDetail }): JSX.Element {
  const runId = props.run.row.id;
  const report = useApi<LearnReport>(`/api/runs/${encodeURIComponent(runId)}/learn`);
  useLive(runId, report.reload, 500);
  if (report.data === undefined) return report.error === undefined ? <Loading what="the learn run" /> : <ErrorNote message={report.error} />;
  const data = report.data;
  const curve = data.curve;
  const x = curve.map((_, index) => index + 1);
  const numbers = (key: string) => curve.map((point) => (typeof point[key] === 'number' ? (point[key] as number) : null));
  let passed = 0;
  const passRate = curve.map((point, index) => {
    if (point['passed'] === true) passed += 1;
    return passed / (index + 1);
  });
  const committed = data.gates.filter((gate) => gate.decision === 'committed').length;
  return (
    <div>
      <div class="stats">
        <Stat label="tasks passed" testId="best-score" value={`${passed} of ${curve.length}`} />
        <Stat label="committed" value={committed} />
        <Stat label="rejected by the gate" value={data.gates.length - committed} />
        <Stat label="cost" value={formatCost(props.run.row.costUsd)} />
        <Stat label="tokens" value={formatCount(props.run.row.tokens)} />
        <Stat label="duration" value={formatDuration(props.run.row.durationMs)} />
      </div>
      <div class="two-columns">
        <Section title="Learning curve" testId="learning-curve">
          <LineChart
            testId="learn-chart"
            x={x}
            series={[
              { label: 'passed so far (rate)', values: passRate, color: palette[0]!, width: 2 },
              { label: 'task passed', values: curve.map((point) => (point['passed'] === true ? 1 : 0)), color: palette[1]!, points: true, width: 0.5 },
            ]}
            xLabel="task"
          />
        </Section>
        <Section title="Library and cost per task">
          <LineChart
            testId="library-chart"
            x={x}
            series={[
              { label: 'library size', values: numbers('librarySize'), color: palette[2]!, width: 2 },
              { label: 'new artifacts', values: numbers('newArtifacts'), color: palette[3]!, points: true },
              { label: 'tokens injected (hundreds)', values: numbers('tokensInjected').map((value) => (value === null ? null : value / 100)), color: palette[4]! },
              { label: 'cost (cents)', values: numbers('costUsd').map((value) => (value === null ? null : value * 100)), color: palette[5]! },
            ]}
            xLabel="task"
          />
        </Section>
      </div>
      <Section title="Tasks" testId="learn-tasks">
        <DataTable
          columns={[
            { key: 'index', label: '#', numeric: true, render: (row) => (typeof row['index'] === 'number' ? row['index'] + 1 : '') },
            { key: 'task', label: 'task', render: (row) => String(row['taskId'] ?? '') },
            { key: 'passed', label: 'passed', render: (row) => (row['passed'] === true ? 'yes' : 'no') },
            { key: 'score', label: 'score', numeric: true, render: (row) => formatScore(row['score']) },
            { key: 'verdict', label: 'judged by', render: (row) => String(row['verdictSource'] ?? '') },
            { key: 'injected', label: 'tokens injected', numeric: true, render: (row) => formatCount(row['tokensInjected'] as number) },
            { key: 'size', label: 'library', numeric: true, render: (row) => formatCount(row['librarySize'] as number) },
            { key: 'new', label: 'new artifacts', numeric: true, render: (row) => formatCount(row['newArtifacts'] as number) },
            { key: 'cost', label: 'cost', numeric: true, render: (row) => formatCost(row['costUsd'] as number) },
            {
              key: 'trajectories',
              label: 'trajectories',
              render: (row) => {
                const task = data.tasks.find((entry) => entry.taskId === row['taskId']);
                return (task?.trajectoryIds ?? []).slice(0, 3).map((id) => (
                  <Link key={id} href={`/trajectories/${encodeURIComponent(id)}`} class="chip">
                    {shortId(id)}
                  </Link>
                ));
              },
            },
          ]}
          rows={curve}
          rowKey={(row) => String(row['index'] ?? row['taskId'])}
          empty="No task finished yet."
        />
      </Section>
      <Section title="Gate decisions" testId="gate-decisions">
        {data.gates.length === 0 ? (
          <p class="muted">No proposals reached the gate yet.</p>
        ) : (
          data.gates.map((gate, index) => (
            <article key={index} class={`gate-card ${gate.decision}`} data-testid="gate-card">
              <header>
                <span class={`badge ${gate.decision === 'committed' ? 'status-finished' : 'status-failed'}`}>{gate.decision}</span>{' '}
                <strong>
                  {gate.proposal === null ? '(unparsed proposal)' : `${String(gate.proposal['op'] ?? '')} ${String(gate.proposal['kind'] ?? '')} ${String(gate.proposal['name'] ?? '')}`}
                </strong>
                {gate.version === null ? null : <span class="muted"> → v{gate.version}</span>} <span class="muted">· task {gate.taskId}</span>
                {gate.proposal !== null && gate.decision === 'committed' ? (
                  <>
                    {' '}
                    · <Link href={`/library/${encodeURIComponent(String(gate.proposal['kind']))}/${encodeURIComponent(String(gate.proposal['name']))}`}>in the library</Link>
                  </>
                ) : null}
              </header>
              {gate.reason === null ? null : <p>{gate.reason}</p>}
              {gate.figures === null ? null : (
                <FieldList
                  fields={{
                    'held-out with': formatScore(gate.figures['withScore']),
                    'held-out without': formatScore(gate.figures['withoutScore']),
                    delta: formatScore(gate.figures['delta']),
                    rule: gate.figures['rule'],
                    'held-out tasks': prettyJson(gate.figures['heldOutTaskIds'] ?? []),
                    'safety probes failed': prettyJson(gate.figures['probeFailures'] ?? []),
                    'gate reason': gate.figures['reason'],
                  }}
                />
              )}
              {gate.problems.length === 0 ? null : (
                <ul class="problems">
                  {gate.problems.map((problem, item) => (
                    <li key={item}>{problem}</li>
                  ))}
                </ul>
              )}
            </article>
          ))
        )}
      </Section>
    </div>
  );
}
