import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { FailureRow, ProgramDetail, ProgramRow } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { ErrorNote, Loading, Section, Stat, StatusBadge, Tabs } from '../components/page-bits.tsx';
import { CodeView, DiffView, FieldList, ValueView } from '../components/text-views.tsx';
import { FailureCard } from '../evolve/failures-tab.tsx';
import { formatCost, formatCount, formatDuration, formatScore, formatTime, shortId } from '../format.ts';
import { Link } from '../router.tsx';

interface StoredProgram {
  id: string;
  runId: string;
  sequence?: number;
  status: string;
  score: unknown;
  operator: string;
  model: string | null;
  island: number;
  generation: number;
  files: Record<string, string>;
  diff: string;
  metrics: Record<string, unknown>;
  features: Record<string, unknown>;
  artifacts: Record<string, unknown>;
  prompt: string | null;
  reply: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  timing: { proposeMs: number; evaluateMs: number };
  createdAt: number;
  evidence: FailureRow | null;
}

const tabs = [
  { key: 'code', label: 'Code' },
  { key: 'diff', label: 'Diff vs parent' },
  { key: 'initial', label: 'Diff vs initial' },
  { key: 'evaluation', label: 'Evaluation' },
  { key: 'llm', label: 'Prompt & reply' },
];

/** One program: its code, diffs, evaluation, the model call that made it, and its lineage. */
export function ProgramPage(props: { programId: string; tab: string | undefined }): JSX.Element {
  const detail = useApi<ProgramDetail>(`/api/programs/${encodeURIComponent(props.programId)}`);
  if (detail.data === undefined) return detail.error === undefined ? <Loading what="the program" /> : <ErrorNote message={detail.error} />;
  const data = detail.data;
  const program = data.program as unknown as StoredProgram;
  const tab = props.tab ?? 'code';
  const base = `/programs/${encodeURIComponent(program.id)}`;
  return (
    <div>
      <div class="page-title">
        <div>
          <h1>
            Program <span class="mono" data-testid="program-id">{program.id}</span>
          </h1>
          <p class="muted">
            {data.run === null ? null : (
              <>
                run <Link href={`/runs/${encodeURIComponent(data.run.id)}`}>{data.run.name || data.run.id}</Link> ·{' '}
              </>
            )}
            #{program.sequence ?? '?'} · {formatTime(program.createdAt)}
            {data.run === null ? null : (
              <>
                {' '}
                · <Link href={`/runs/${encodeURIComponent(data.run.id)}/tree?focus=${encodeURIComponent(program.id)}`}>show in lineage</Link>
              </>
            )}
          </p>
        </div>
        <StatusBadge status={program.status} />
      </div>
      <div class="stats">
        <Stat label="score" testId="program-score" value={formatScore(program.score)} />
        <Stat label="operator" value={program.operator} />
        <Stat label="model" value={program.model ?? 'model-free'} />
        <Stat label="island · generation" value={`${program.island} · ${program.generation}`} />
        <Stat label="in population" value={data.ghost === null ? '—' : data.ghost ? 'evicted (ghost)' : program.status === 'evaluated' ? 'yes' : '—'} />
        <Stat label="cost" value={formatCost(program.costUsd)} />
        <Stat label="tokens in / out" value={`${formatCount(program.tokensIn)} / ${formatCount(program.tokensOut)}`} />
        <Stat label="propose · evaluate" value={`${formatDuration(program.timing.proposeMs)} · ${formatDuration(program.timing.evaluateMs)}`} />
      </div>
      {program.evidence === null ? null : (
        <Section title="Failure" testId="program-failure">
          <FailureCard item={program.evidence} />
        </Section>
      )}
      <div class="two-columns wide-left">
        <div>
          <Tabs active={tab} tabs={tabs.map((item) => ({ ...item, href: item.key === 'code' ? base : `${base}/${item.key}` }))} />
          <div class="panel">{tabBody(tab, program, data)}</div>
        </div>
        <LineagePanel data={data} />
      </div>
    </div>
  );
}

function tabBody(tab: string, program: StoredProgram, data: ProgramDetail): JSX.Element {
  switch (tab) {
    case 'diff':
      return (
        <>
          <DiffView testId="diff-parent" diff={data.diffToParent} empty={data.parent === null ? 'This is an initial program: it has no parent.' : 'Identical to its parent.'} />
          {program.diff.trim() === '' ? null : (
            <details>
              <summary>the edit as the operator proposed it</summary>
              <ValueView value={program.diff} />
            </details>
          )}
        </>
      );
    case 'initial':
      return <DiffView testId="diff-initial" diff={data.diffToInitial} empty={data.initialId === program.id ? 'This is the initial program.' : 'Identical to the initial program.'} />;
    case 'evaluation':
      return (
        <div data-testid="evaluation">
          <h3>Metrics</h3>
          <FieldList fields={program.metrics} testId="metrics" />
          <h3>Features</h3>
          <FieldList fields={program.features} />
          <h3>Artifacts and evaluator feedback</h3>
          {Object.keys(program.artifacts).length === 0 ? (
            <p class="muted">none</p>
          ) : (
            Object.entries(program.artifacts).map(([key, value]) => (
              <div key={key} class="artifact">
                <h4>{key}</h4>
                <ValueView value={value} testId={`artifact-${key}`} />
              </div>
            ))
          )}
        </div>
      );
    case 'llm':
      return (
        <div>
          <h3>Prompt</h3>
          {program.prompt === null ? <p class="muted">No model call made this program ({program.operator}).</p> : <ValueView value={program.prompt} testId="prompt" />}
          <h3>Reply</h3>
          {program.reply === null ? <p class="muted">none</p> : <ValueView value={program.reply} testId="reply" />}
        </div>
      );
    default:
      return <FilesView files={program.files} />;
  }
}

function FilesView(props: { files: Record<string, string> }): JSX.Element {
  const paths = Object.keys(props.files).sort();
  const [path, setPath] = useState(paths[0]);
  if (paths.length === 0) return <p class="muted">No code was stored (the attempt failed before it produced a program).</p>;
  const shown = path !== undefined && props.files[path] !== undefined ? path : paths[0]!;
  return (
    <div>
      {paths.length > 1 ? (
        <div class="controls">
          {paths.map((item) => (
            <button type="button" key={item} class={item === shown ? 'toggle active' : 'toggle'} onClick={() => setPath(item)}>
              {item}
            </button>
          ))}
        </div>
      ) : (
        <p class="muted mono">{shown}</p>
      )}
      <CodeView text={props.files[shown]!} testId="program-code" />
    </div>
  );
}

function LineagePanel(props: { data: ProgramDetail }): JSX.Element {
  const { data } = props;
  return (
    <Section title="Lineage" testId="lineage-links">
      <h3>Parent</h3>
      {data.parent === null ? <p class="muted">none (initial program)</p> : <ProgramLink row={data.parent} testId="parent-link" />}
      <h3>Inspirations</h3>
      {data.inspirations.length === 0 ? <p class="muted">none</p> : data.inspirations.map((row) => <ProgramLink key={row.id} row={row} />)}
      <h3>Children ({data.childCount})</h3>
      {data.children.length === 0 ? <p class="muted">none yet</p> : data.children.map((row) => <ProgramLink key={row.id} row={row} testId="child-link" />)}
      {data.childCount > data.children.length ? <p class="muted">and {data.childCount - data.children.length} more (see the lineage tab).</p> : null}
    </Section>
  );
}

function ProgramLink(props: { row: ProgramRow; testId?: string }): JSX.Element {
  const { row } = props;
  return (
    <div class="program-link">
      <Link href={`/programs/${encodeURIComponent(row.id)}`} data-testid={props.testId}>
        {shortId(row.id)}
      </Link>{' '}
      <span class="muted">
        {formatScore(row.score)} · {row.operator} · {row.status}
      </span>
    </div>
  );
}
