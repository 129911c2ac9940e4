import type { JSX } from 'preact';
import type { PopulationView } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/data-table.tsx';
import { HeatMap } from '../components/heat-map.tsx';
import { ErrorNote, Loading, Section } from '../components/page-bits.tsx';
import { formatScore, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/** The population as the engine holds it: the MAP-Elites grid and the islands. */
export function PopulationTab(props: { runId: string }): JSX.Element {
  const population = useApi<PopulationView>(`/api/runs/${encodeURIComponent(props.runId)}/population`);
  useLive(props.runId, population.reload, 2000);
  if (population.data === undefined) return population.error === undefined ? <Loading what="the population" /> : <ErrorNote message={population.error} />;
  const view = population.data;
  return (
    <div class="two-columns">
      <Section title="MAP-Elites grid" testId="map-elites">
        {view.note === null ? null : <p class="notice">{view.note}</p>}
        <HeatMap population={view} />
        <p class="muted">
          {view.members} programs in the population, {view.evicted} evicted (ghosts in the lineage), archive {view.archive.size} of {view.archive.capacity}.
        </p>
      </Section>
      <Section title="Islands" testId="islands">
        <DataTable
          columns={[
            { key: 'index', label: 'island', numeric: true, render: (row) => row.index },
            { key: 'size', label: 'programs', numeric: true, render: (row) => row.size },
            { key: 'best', label: 'best', numeric: true, render: (row) => (row.bestId === null ? '—' : <Link href={`/programs/${encodeURIComponent(row.bestId)}`} title={shortId(row.bestId)}>{formatScore(row.bestScore)}</Link>) },
            { key: 'mean', label: 'mean', numeric: true, render: (row) => formatScore(row.meanScore) },
            { key: 'out', label: 'migrated out', numeric: true, render: (row) => row.migrationsOut },
            { key: 'in', label: 'migrated in', numeric: true, render: (row) => row.migrationsIn },
          ]}
          rows={view.islands}
          rowKey={(row) => String(row.index)}
        />
      </Section>
    </div>
  );
}
