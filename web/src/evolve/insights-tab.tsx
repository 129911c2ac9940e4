import type { JSX } from 'preact';
import type { InsightsReport } from '../../../src/serve/api-types.ts';
import { useApi } from '../api.ts';
import { ErrorNote, Loading, Section } from '../components/page-bits.tsx';
import { formatTime } from '../format.ts';
import { useLive } from '../live.ts';

/** The run's scratchpad: the insights in force, their history, and the run's notices. */
export function InsightsTab(props: { runId: string }): JSX.Element {
  const report = useApi<InsightsReport>(`/api/runs/${encodeURIComponent(props.runId)}/insights`);
  useLive(props.runId, report.reload, 2000);
  if (report.data === undefined) return report.error === undefined ? <Loading what="insights" /> : <ErrorNote message={report.error} />;
  const data = report.data;
  return (
    <div class="two-columns">
      <Section title="Insights in force" testId="insights">
        {data.current.length === 0 ? (
          <p class="muted">No insights yet (they are written every few programs when a model is configured).</p>
        ) : (
          <ul class="insights">
            {data.current.map((insight, index) => (
              <li key={index}>{insight}</li>
            ))}
          </ul>
        )}
        {data.history.length > 1 ? (
          <details>
            <summary>{data.history.length} refreshes</summary>
            {data.history.map((entry, index) => (
              <div key={index} class="history-entry">
                <p class="muted">
                  {entry.iteration === null ? '' : `after program ${entry.iteration}, `}
                  {formatTime(entry.at)}
                </p>
                <ul>
                  {entry.insights.map((insight, item) => (
                    <li key={item}>{insight}</li>
                  ))}
                </ul>
              </div>
            ))}
          </details>
        ) : null}
      </Section>
      <Section title="Notices" testId="notices">
        {data.notices.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul class="notices">
            {data.notices.map((notice, index) => (
              <li key={index} class={`notice-${notice.level}`}>
                <span class="muted">{formatTime(notice.at)}</span> {notice.message}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
