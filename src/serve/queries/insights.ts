import type { JsonObject } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import type { InsightsReport } from '../api-types.ts';

/**
 * The run's meta-scratchpad: the insights in force (from the last checkpoint), each refresh of
 * them from the event log, and the notices the run gave.
 */
export async function insightsReport(store: Store, runId: string, checkpoint: JsonObject | undefined): Promise<InsightsReport> {
  const report: InsightsReport = { current: stringList(checkpoint?.['insights']), history: [], notices: [] };
  let after = 0;
  for (;;) {
    const events = await store.listEvents(runId, { afterSequence: after, limit: 2000 });
    for (const event of events) {
      after = event.sequence;
      if (event.type === 'insights-refreshed') {
        const iteration = event.data['iteration'];
        report.history.push({ iteration: typeof iteration === 'number' ? iteration : null, at: event.at, insights: stringList(event.data['insights']) });
      } else if (event.type === 'notice') {
        report.notices.push({ at: event.at, level: String(event.data['level'] ?? 'info'), message: String(event.data['message'] ?? '') });
      }
    }
    if (events.length < 2000) break;
  }
  if (report.current.length === 0 && report.history.length > 0) report.current = report.history[report.history.length - 1]!.insights;
  report.history.reverse();
  return report;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
