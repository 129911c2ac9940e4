import type { JsonObject, JsonValue } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import type { EvaluationJobResult } from './evaluation-job.ts';

/**
 * How busy the external workers of one run were: per worker, the jobs it finished and the time
 * it spent evaluating them; occupancy is that time over (the workers' slots × the span from the
 * first evaluation's start to the last one's end). Kept by the run's coordinator (one process per
 * run, under the run lease) in the state document `worker-occupancy/<run>`, which `lamarck runs`
 * and the evolve summary read.
 */
export const occupancyScope = 'worker-occupancy';

export interface OccupancyReport extends JsonObject {
  jobs: number;
  workers: number;
  slots: number;
  busyMs: number;
  spanMs: number;
  /** busyMs / (slots × spanMs), 0..1; null before any job finished. */
  occupancy: number | null;
  perWorker: Record<string, { jobs: number; busyMs: number; slots: number }>;
  firstStartedAt: number | null;
  lastFinishedAt: number | null;
}

export class WorkerOccupancy {
  readonly #store: Store;
  readonly #reports = new Map<string, OccupancyReport>();

  constructor(store: Store) {
    this.#store = store;
  }

  async record(runId: string, result: EvaluationJobResult): Promise<void> {
    const report = this.#reports.get(runId) ?? (await readOccupancy(this.#store, runId)) ?? emptyReport();
    const busyMs = Math.max(0, result.finishedAt - result.startedAt);
    const worker = report.perWorker[result.workerId] ?? { jobs: 0, busyMs: 0, slots: result.slots };
    report.perWorker[result.workerId] = { jobs: worker.jobs + 1, busyMs: worker.busyMs + busyMs, slots: Math.max(worker.slots, result.slots) };
    report.jobs += 1;
    report.busyMs += busyMs;
    report.firstStartedAt = Math.min(report.firstStartedAt ?? result.startedAt, result.startedAt);
    report.lastFinishedAt = Math.max(report.lastFinishedAt ?? result.finishedAt, result.finishedAt);
    report.workers = Object.keys(report.perWorker).length;
    report.slots = Object.values(report.perWorker).reduce((sum, entry) => sum + entry.slots, 0);
    report.spanMs = report.lastFinishedAt - report.firstStartedAt;
    report.occupancy = report.spanMs > 0 && report.slots > 0 ? Math.min(1, report.busyMs / (report.slots * report.spanMs)) : null;
    this.#reports.set(runId, report);
    await this.#store.putState(occupancyScope, runId, report as JsonValue);
  }
}

export async function readOccupancy(store: Store, runId: string): Promise<OccupancyReport | undefined> {
  const stored = await store.getState(occupancyScope, runId);
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return undefined;
  return stored as OccupancyReport;
}

/** `3 workers (4 slots), 24 jobs, occupancy 87%`. */
export function describeOccupancy(report: OccupancyReport): string {
  const percent = report.occupancy === null ? '-' : `${Math.round(report.occupancy * 100)}%`;
  return `${report.workers} worker${report.workers === 1 ? '' : 's'} (${report.slots} slot${report.slots === 1 ? '' : 's'}), ${report.jobs} job${report.jobs === 1 ? '' : 's'}, occupancy ${percent}`;
}

function emptyReport(): OccupancyReport {
  return { jobs: 0, workers: 0, slots: 0, busyMs: 0, spanMs: 0, occupancy: null, perWorker: {}, firstStartedAt: null, lastFinishedAt: null };
}
