import type { JSX } from 'preact';
import type { TrajectoryDetail } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { ErrorNote, Loading, Section, Stat, StatusBadge } from '../components/page-bits.tsx';
import { ValueView } from '../components/text-views.tsx';
import { formatCost, formatCount, formatTime } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/** A trajectory: the task, then every step (model calls, tool calls and results, references). */
export function TrajectoryPage(props: { trajectoryId: string }): JSX.Element {
  const detail = useApi<TrajectoryDetail>(`/api/trajectories/${encodeURIComponent(props.trajectoryId)}`);
  if (detail.data === undefined) return detail.error === undefined ? <Loading what="the trajectory" /> : <ErrorNote message={detail.error} />;
  const trajectory = detail.data.trajectory as Record<string, unknown>;
  return (
    <div>
      <div class="page-title">
        <div>
          <h1>
            Trajectory <span class="mono">{props.trajectoryId}</span>
          </h1>
          <p class="muted">
            {typeof trajectory['runId'] === 'string' ? (
              <>
                run <Link href={`/runs/${encodeURIComponent(trajectory['runId'])}`}>{trajectory['runId']}</Link> ·{' '}
              </>
            ) : null}
            {typeof trajectory['taskId'] === 'string' ? `task ${trajectory['taskId']} · ` : ''}
            {formatTime(trajectory['createdAt'] as number)}
          </p>
        </div>
        <StatusBadge status={String(trajectory['status'] ?? '')} />
      </div>
      <div class="stats">
        <Stat label="model" value={String(trajectory['model'] ?? '—')} />
        <Stat label="steps" value={formatCount(detail.data.steps.length)} />
        <Stat label="tokens in / out" value={`${formatCount(trajectory['tokensIn'] as number)} / ${formatCount(trajectory['tokensOut'] as number)}`} />
        <Stat label="cost" value={formatCost(trajectory['costUsd'] as number)} />
      </div>
      <Section title="Task">
        <ValueView value={trajectory['task']} testId="trajectory-task" />
        {trajectory['answer'] === null || trajectory['answer'] === undefined ? null : (
          <>
            <h3>Answer</h3>
            <ValueView value={trajectory['answer']} />
          </>
        )}
        {trajectory['verdict'] === null || trajectory['verdict'] === undefined ? null : (
          <>
            <h3>Verdict</h3>
            <ValueView value={trajectory['verdict']} />
          </>
        )}
      </Section>
      <StepList steps={detail.data.steps} />
    </div>
  );
}

/** The steps of a trajectory, loaded on their own (the agent run page shows them inline). */
export function TrajectorySteps(props: { trajectoryId: string }): JSX.Element {
  const detail = useApi<TrajectoryDetail>(`/api/trajectories/${encodeURIComponent(props.trajectoryId)}`);
  const runId = (detail.data?.trajectory as Record<string, unknown> | undefined)?.['runId'];
  useLive(typeof runId === 'string' ? runId : '', detail.reload, 500);
  if (detail.data === undefined) return detail.error === undefined ? <Loading what="steps" /> : <ErrorNote message={detail.error} />;
  return <StepList steps={detail.data.steps} />;
}

function StepList(props: { steps: TrajectoryDetail['steps'] }): JSX.Element {
  return (
    <Section title="Steps" testId="trajectory-steps">
      {props.steps.length === 0 ? <p class="muted">No steps recorded.</p> : null}
      <ol class="steps">
        {props.steps.map((step) => (
          <li key={step.index} class={`step step-${step.type.replace(/[^a-z-]/gi, '')}`} data-testid="step">
            <header>
              <span class="step-index">{step.index}</span> <strong>{step.type}</strong> <span class="muted">{formatTime(step.at)}</span>
              {headline(step.data)}
            </header>
            <StepBody data={step.data} />
          </li>
        ))}
      </ol>
    </Section>
  );
}

function headline(data: unknown): JSX.Element | null {
  if (typeof data !== 'object' || data === null) return null;
  const record = data as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record['name'] === 'string') parts.push(record['name']);
  if (typeof record['inputTokens'] === 'number') parts.push(`${record['inputTokens']} in / ${String(record['outputTokens'] ?? 0)} out tokens`);
  if (typeof record['costUsd'] === 'number' && record['costUsd'] > 0) parts.push(formatCost(record['costUsd']));
  if (typeof record['referenceId'] === 'string') parts.push(`reference ${record['referenceId']}`);
  if (record['isError'] === true) parts.push('error');
  return parts.length === 0 ? null : <span class="step-headline"> · {parts.join(' · ')}</span>;
}

/** Long text fields as blocks, the rest as JSON; all as text nodes. */
function StepBody(props: { data: unknown }): JSX.Element | null {
  if (typeof props.data !== 'object' || props.data === null) return <ValueView value={props.data} />;
  const record = props.data as Record<string, unknown>;
  const textKeys = ['text', 'answer', 'content', 'output', 'message', 'reason', 'plan', 'system'];
  const texts = textKeys.filter((key) => typeof record[key] === 'string' && record[key] !== '');
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !texts.includes(key) && !['name', 'inputTokens', 'outputTokens', 'costUsd', 'referenceId', 'isError', 'step'].includes(key)));
  return (
    <div class="step-body">
      {texts.map((key) => (
        <div key={key}>
          <span class="muted">{key}</span>
          <ValueView value={record[key]} />
        </div>
      ))}
      {Object.keys(rest).length === 0 ? null : <ValueView value={rest} />}
    </div>
  );
}
