import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ScoreSeries } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { LineChart, palette, type ChartSeries } from '../components/chart.tsx';
import { ErrorNote, Loading, Section } from '../components/page-bits.tsx';
import { useLive } from '../live.ts';

/** Best and mean score over the run, overall or per island; it follows a running run live. */
export function OverviewTab(props: { runId: string }): JSX.Element {
  const series = useApi<ScoreSeries>(`/api/runs/${encodeURIComponent(props.runId)}/series?points=600`);
  useLive(props.runId, series.reload, 300);
  const [perIsland, setPerIsland] = useState(false);
  if (series.data === undefined) return series.error === undefined ? <Loading what="scores" /> : <ErrorNote message={series.error} />;
  const data = series.data;
  const lines: ChartSeries[] = perIsland
    ? data.islands.flatMap((island, index) => [
        { label: `island ${island.island} best`, values: island.best, color: palette[index % palette.length]!, width: 2, stepped: true },
        { label: `island ${island.island} mean`, values: island.mean, color: palette[index % palette.length]!, width: 1, dash: [4, 4] },
      ])
    : [
        { label: 'best', values: data.best, color: palette[0]!, width: 2, stepped: true },
        { label: 'mean', values: data.mean, color: palette[1]!, width: 1, dash: [4, 4] },
      ];
  return (
    <Section
      title="Score over the run"
      testId="score-section"
      actions={
        <label class="muted">
          <input type="checkbox" checked={perIsland} onChange={() => setPerIsland(!perIsland)} data-testid="per-island" /> per island
        </label>
      }
    >
      <LineChart testId="score-chart" x={data.x} series={lines} xLabel="program (sequence)" yLabel="score" height={300} />
      <p class="muted">
        {data.total.toLocaleString('en-US')} programs{data.bucketSize > 1 ? `, ${data.bucketSize} per point` : ''}. Best: the best score so far; mean: the mean score of the programs
        evaluated in each point.
      </p>
    </Section>
  );
}
