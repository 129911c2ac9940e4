import type { JSX } from 'preact';
import type { RunDetail } from '../../../src/serve/api-types.ts';
import { Stat, Tabs } from '../components/page-bits.tsx';
import { formatCost, formatCount, formatDuration, formatScore } from '../format.ts';
import { Link } from '../router.tsx';
import { FailuresTab } from './failures-tab.tsx';
import { InsightsTab } from './insights-tab.tsx';
import { ModelsTab } from './models-tab.tsx';
import { OverviewTab } from './overview-tab.tsx';
import { PopulationTab } from './population-tab.tsx';
import { ProgramsTab } from './programs-tab.tsx';
import { ThroughputTab } from './throughput-tab.tsx';
import { TreeTab } from './tree-tab.tsx';

const tabs = [
  { key: 'overview', label: 'Scores' },
  { key: 'tree', label: 'Lineage' },
  { key: 'programs', label: 'Programs' },
  { key: 'population', label: 'MAP-Elites & islands' },
  { key: 'failures', label: 'Failures' },
  { key: 'models', label: 'Models & cost' },
  { key: 'insights', label: 'Insights' },
  { key: 'throughput', label: 'Throughput' },
];

/** An evolve run: the headline figures and one tab per view. */
export function EvolveRunPage(props: { run: RunDetail; tab: string; query: URLSearchParams }): JSX.Element {
  const { run } = props;
  const base = `/runs/${encodeURIComponent(run.row.id)}`;
  return (
    <div>
      <div class="stats">
        <Stat label="best score" testId="best-score" value={run.best === null ? formatScore(run.row.bestScore) : <Link href={`/programs/${encodeURIComponent(run.best.id)}`}>{formatScore(run.best.score)}</Link>} />
        <Stat label="initial score" value={formatScore(run.initial?.score ?? null)} />
        <Stat label="programs" testId="program-count" value={formatCount(run.programCount)} />
        <Stat label="failed or rejected" value={formatCount(run.failureCount)} />
        <Stat label="cost" value={formatCost(run.row.costUsd)} />
        <Stat label="tokens" value={formatCount(run.row.tokens)} />
        <Stat label="duration" value={formatDuration(run.row.durationMs)} />
      </div>
      <Tabs active={props.tab} tabs={tabs.map((tab) => ({ ...tab, href: tab.key === 'overview' ? base : `${base}/${tab.key}` }))} />
      {tabView(props.tab, run, props.query)}
    </div>
  );
}

function tabView(tab: string, run: RunDetail, query: URLSearchParams): JSX.Element {
  const runId = run.row.id;
  switch (tab) {
    case 'tree':
      return <TreeTab runId={runId} focus={query.get('focus') ?? undefined} />;
    case 'programs':
      return <ProgramsTab runId={runId} />;
    case 'population':
      return <PopulationTab runId={runId} />;
    case 'failures':
      return <FailuresTab runId={runId} />;
    case 'models':
      return <ModelsTab runId={runId} />;
    case 'insights':
      return <InsightsTab runId={runId} />;
    case 'throughput':
      return <ThroughputTab runId={runId} />;
    default:
      return <OverviewTab runId={runId} />;
  }
}
