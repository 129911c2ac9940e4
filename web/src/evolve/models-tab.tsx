import type { JSX } from 'preact';
import type { ModelReport, ScoreSeries } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { LineChart, palette } from '../components/chart.tsx';
import { BanditArms } from '../components/bandit-arms.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorNote, Loading, Section } from '../components/page-bits.tsx';
import { formatCost, formatCount, formatScore } from '../format.ts';
import { useLive } from '../live.ts';

/** Model choice (counts and the bandit's posteriors), operators, and cost and tokens over time. */
export function ModelsTab(props: { runId: string }): JSX.Element {
  const path = `/api/runs/${encodeURIComponent(props.runId)}`;
  const report = useApi<ModelReport>(`${path}/models`);
  const series = useApi<ScoreSeries>(`${path}/series?points=300`);
  useLive(
    props.runId,
    () => {
      report.reload();
      series.reload();
    },
    1000,
  );
  if (report.data === undefined) return report.error === undefined ? <Loading what="models" /> : <ErrorNote message={report.error} />;
  const data = report.data;
  return (
    <div>
      <div class="two-columns">
        <Section title="Models" testId="models">
          <DataTable
            columns={[
              { key: 'model', label: 'model', render: (row) => row.model },
              { key: 'attempts', label: 'attempts', numeric: true, render: (row) => formatCount(row.attempts) },
              { key: 'evaluated', label: 'scored', numeric: true, render: (row) => formatCount(row.evaluated) },
              { key: 'improved', label: 'improved parent', numeric: true, render: (row) => formatCount(row.improved) },
              { key: 'cost', label: 'cost', numeric: true, render: (row) => formatCost(row.costUsd) },
              { key: 'tokens', label: 'tokens in / out', numeric: true, render: (row) => `${formatCount(row.tokensIn)} / ${formatCount(row.tokensOut)}` },
            ]}
            rows={data.models}
            rowKey={(row) => row.model}
          />
          <h3>Model bandit posteriors</h3>
          {data.bandit === null ? (
            <p class="muted">No model bandit in this run (one model, or model-free).</p>
          ) : (
            <BanditArms report={data.bandit} testId="bandit" gain="improvement" />
          )}
        </Section>
        <Section title="Operators" testId="operators">
          <DataTable
            columns={[
              { key: 'operator', label: 'operator', render: (row) => row.operator },
              { key: 'attempts', label: 'attempts', numeric: true, render: (row) => formatCount(row.attempts) },
              { key: 'evaluated', label: 'scored', numeric: true, render: (row) => formatCount(row.evaluated) },
              { key: 'failed', label: 'failed', numeric: true, render: (row) => formatCount(row.failed) },
              { key: 'improved', label: 'improved', numeric: true, render: (row) => formatCount(row.improved) },
              { key: 'delta', label: 'mean Δ score', numeric: true, render: (row) => formatScore(row.meanDelta) },
            ]}
            rows={data.operators}
            rowKey={(row) => row.operator}
          />
          <h3>Operator mix</h3>
          {data.operatorBandit === null ? (
            <p class="muted">A fixed operator mix in this run (one operator, or settings.operatorMix set).</p>
          ) : (
            <BanditArms report={data.operatorBandit} testId="operator-bandit" gain="improving calls" />
          )}
        </Section>
      </div>
      {series.data === undefined ? null : (
        <div class="two-columns">
          <Section title="Cost and tokens over the run">
            <LineChart
              testId="cost-chart"
              x={series.data.x}
              series={[
                { label: 'cost (USD)', values: series.data.costUsd, color: palette[2]! },
                { label: 'tokens (thousands)', values: series.data.tokens.map((value) => value / 1000), color: palette[4]! },
              ]}
              xLabel="program"
            />
          </Section>
          <Section title="Model choice over the run">
            <LineChart testId="model-chart" x={series.data.x} series={series.data.models.map((model, index) => ({ label: model.model, values: model.counts, color: palette[index % palette.length]! }))} xLabel="program" yLabel="attempts per point" />
          </Section>
        </div>
      )}
    </div>
  );
}
