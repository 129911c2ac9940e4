import type { JSX } from 'preact';
import type { ThroughputReport } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { LineChart, palette } from '../components/chart.tsx';
import { ErrorNote, Loading, Section, Stat } from '../components/page-bits.tsx';
import { formatDuration } from '../format.ts';
import { useLive } from '../live.ts';

/** Evaluations per minute and how busy the proposal and evaluation slots were, over wall time. */
export function ThroughputTab(props: { runId: string }): JSX.Element {
  const report = useApi<ThroughputReport>(`/api/runs/${encodeURIComponent(props.runId)}/throughput?points=150`);
  useLive(props.runId, report.reload, 1000);
  if (report.data === undefined) return report.error === undefined ? <Loading what="throughput" /> : <ErrorNote message={report.error} />;
  const data = report.data;
  const slotLine = (count: number | null) => (count === null ? [] : [{ label: 'evaluation slots', values: data.time.map(() => count), color: palette[3]!, dash: [6, 4] }]);
  return (
    <div>
      <div class="stats">
        <Stat label="evaluation slots" value={data.slots.evaluations ?? '—'} />
        <Stat label="proposal slots" value={data.slots.proposals ?? '—'} />
        <Stat label="mean evaluation" value={formatDuration(data.meanEvaluateMs)} />
        <Stat label="mean wait for a slot" value={formatDuration(data.meanQueuedMs)} />
        <Stat label="mean proposal" value={formatDuration(data.meanProposeMs)} />
      </div>
      <div class="two-columns">
        <Section title="Evaluations per minute" testId="throughput">
          <LineChart testId="throughput-chart" time x={data.time} series={[{ label: 'evaluations / min', values: data.evaluationsPerMinute, color: palette[0]! }]} />
        </Section>
        <Section title="Slot occupancy" testId="occupancy">
          <LineChart
            testId="occupancy-chart"
            time
            x={data.time}
            series={[
              { label: 'evaluations in flight', values: data.evaluationOccupancy, color: palette[1]! },
              { label: 'proposals in flight', values: data.proposalOccupancy, color: palette[2]! },
              ...slotLine(data.slots.evaluations),
            ]}
          />
          <p class="muted">From each program's recorded proposal, wait for a slot, and evaluation times; a slot is busy only while it evaluates.</p>
        </Section>
      </div>
    </div>
  );
}
