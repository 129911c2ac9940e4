import type { JSX } from 'preact';
import type { CompareSeries, RunList } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { LineChart, palette } from '../components/chart.tsx';
import { ErrorNote, Loading, Section } from '../components/page-bits.tsx';
import { formatScore, formatTime, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { navigate } from '../router.tsx';

/**
 * Several runs' curves on one chart: evolve runs' best score by program, learn runs' pass rate by
 * task. The x values differ per run, so they are merged onto one axis with gaps.
 */
export function ComparePage(props: { runIds: string[] }): JSX.Element {
  const runs = useApi<RunList>('/api/runs?limit=1000');
  const compare = useApi<CompareSeries>(props.runIds.length === 0 ? null : `/api/compare?runs=${props.runIds.map(encodeURIComponent).join(',')}`);
  useLive(null, compare.reload, 1500);
  const chosen = new Set(props.runIds);
  const toggle = (id: string): void => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    navigate(`/compare${next.size === 0 ? '' : `?runs=${[...next].map(encodeURIComponent).join(',')}`}`, { replace: true });
  };
  const merged = mergeCurves(compare.data);
  return (
    <div>
      <div class="page-title">
        <h1>Compare runs</h1>
      </div>
      <div class="two-columns wide-right">
        <Section title="Runs">
          {runs.data === undefined ? (
            <Loading />
          ) : (
            <ul class="pick-list" data-testid="compare-picker">
              {runs.data.runs
                .filter((run) => run.kind !== 'agent')
                .map((run) => (
                  <li key={run.id}>
                    <label>
                      <input type="checkbox" checked={chosen.has(run.id)} onChange={() => toggle(run.id)} /> {run.name || run.id}{' '}
                      <span class="muted">
                        {run.kind} · {shortId(run.id)} · best {formatScore(run.bestScore)} · {formatTime(run.createdAt)}
                      </span>
                    </label>
                  </li>
                ))}
            </ul>
          )}
        </Section>
        <Section title="Best score so far (evolve) and pass rate so far (learn)" testId="compare-section">
          {props.runIds.length < 1 ? <p class="muted">Pick two or more runs.</p> : null}
          {compare.error === undefined ? null : <ErrorNote message={compare.error} />}
          {merged === null ? null : (
            <LineChart
              testId="compare-chart"
              x={merged.x}
              series={merged.series.map((series, index) => ({ label: series.label, values: series.values, color: palette[index % palette.length]!, width: 2, stepped: true }))}
              xLabel="program or task"
              height={360}
            />
          )}
        </Section>
      </div>
    </div>
  );
}

function mergeCurves(data: CompareSeries | undefined): { x: number[]; series: { label: string; values: (number | null)[] }[] } | null {
  if (data === undefined || data.runs.length === 0) return null;
  const x = [...new Set(data.runs.flatMap((run) => run.x))].sort((left, right) => left - right);
  const position = new Map(x.map((value, index) => [value, index]));
  const series = data.runs.map((run) => {
    const values: (number | null)[] = x.map(() => null);
    run.x.forEach((value, index) => {
      values[position.get(value)!] = run.best[index] ?? null;
    });
    return { label: `${run.name || run.id} (${shortId(run.id)})`, values };
  });
  return { x, series };
}
