import { isJsonObject } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import type { CompareSeries } from '../api-types.ts';
import type { RunProgramsCache } from '../run-programs.ts';
import { bestCurve } from './score-series.ts';

/**
 * Score curves of several runs on one axis: an evolve run's best score so far per attempt, a learn
 * run's pass rate so far per task. Unknown ids and agent runs (which have no curve) are skipped.
 */
export async function compareRuns(store: Store, cache: RunProgramsCache, runIds: readonly string[], points: number): Promise<CompareSeries> {
  const result: CompareSeries = { runs: [] };
  for (const runId of runIds.slice(0, 12)) {
    const run = await store.getRun(runId);
    if (run === undefined) continue;
    if (run.kind === 'evolve') {
      const curve = bestCurve(await cache.get(run.id), points);
      result.runs.push({ id: run.id, name: run.name, kind: run.kind, ...curve });
    } else if (run.kind === 'learn') {
      const x: number[] = [];
      const best: (number | null)[] = [];
      let passed = 0;
      const events = await store.listEvents(run.id, { afterSequence: 0, limit: 100_000 });
      for (const event of events) {
        if (event.type !== 'task-finished' || !isJsonObject(event.data['point'])) continue;
        if (event.data['point']['passed'] === true) passed += 1;
        x.push(x.length + 1);
        best.push(passed / x.length);
      }
      result.runs.push({ id: run.id, name: run.name, kind: run.kind, x, best });
    }
  }
  return result;
}
