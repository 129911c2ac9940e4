import { isJsonObject, type JsonObject } from '../../core/json.ts';
import { shownRunStatus } from '../../store/run-status.ts';
import type { RunRecord, Store } from '../../store/types.ts';
import type { RunList, RunRow } from '../api-types.ts';
import { isScored, type RunProgramsCache } from '../run-programs.ts';

/**
 * The run list: every evolve, learn, agent and curriculum run with the figures the Runs page shows. A finished
 * run's figures come from the summary it wrote; a running evolve run has none yet, so its figures
 * come from its program index (kept incrementally, so this stays cheap while it runs).
 */
export const runSortKeys = ['createdAt', 'updatedAt', 'name', 'kind', 'status', 'bestScore', 'iterations', 'costUsd', 'tokens', 'durationMs'] as const;
export type RunSortKey = (typeof runSortKeys)[number];

export interface RunListQuery {
  kind?: string | undefined;
  status?: string | undefined;
  /** Leave out the agent runs a learn run starts for each attempt (they have a purpose). */
  hideAttempts?: boolean;
  sort?: string | undefined;
  order?: string | undefined;
  offset: number;
  limit: number;
}

/** Running evolve runs whose live figures are computed per request; older running ones show their summary. */
const liveFigureRuns = 8;

export async function listRunRows(store: Store, cache: RunProgramsCache, query: RunListQuery, now: number): Promise<RunList> {
  const runs = await store.listRuns();
  let liveBudget = liveFigureRuns;
  const rows: RunRow[] = [];
  for (const run of runs) {
    const live = run.kind === 'evolve' && run.status === 'running' && liveBudget > 0;
    if (live) liveBudget -= 1;
    const row = live ? await liveEvolveRow(run, cache, now) : runRow(run, now);
    rows.push(await withShownStatus(store, run, row));
  }
  const filtered = rows.filter(
    (row) =>
      (query.kind === undefined || row.kind === query.kind) &&
      (query.status === undefined || row.status === query.status) &&
      (query.hideAttempts !== true || row.purpose === null),
  );
  const key: RunSortKey = (runSortKeys as readonly string[]).includes(query.sort ?? '') ? (query.sort as RunSortKey) : 'createdAt';
  const direction = query.order === 'asc' ? 1 : -1;
  filtered.sort((left, right) => compareSorted(left[key], right[key], direction) || direction * compareValues(left.id, right.id));
  return { runs: filtered.slice(query.offset, query.offset + query.limit), total: filtered.length, offset: query.offset, limit: query.limit };
}

export async function runRowFor(store: Store, run: RunRecord, cache: RunProgramsCache, now: number): Promise<RunRow> {
  const row = run.kind === 'evolve' && run.status === 'running' ? await liveEvolveRow(run, cache, now) : runRow(run, now);
  return withShownStatus(store, run, row);
}

/**
 * A run stored as running whose lease expired has no process left: it is shown as `interrupted`
 * (the store's own derivation, as `lamarck runs` shows it), and its duration stops at its last write.
 */
async function withShownStatus(store: Store, run: RunRecord, row: RunRow): Promise<RunRow> {
  if (run.status !== 'running') return row;
  const status = await shownRunStatus(store, run);
  return status === 'running' ? row : { ...row, status, durationMs: run.updatedAt - run.createdAt };
}

/** Figures from a run's stored summary (what a finished run wrote). */
export function runRow(run: RunRecord, now: number): RunRow {
  const summary = run.summary;
  const usage = isJsonObject(summary['usage']) ? summary['usage'] : summary;
  const inputTokens = numberOrNull(usage['inputTokens']);
  const outputTokens = numberOrNull(usage['outputTokens']);
  const tokens = inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0);
  return {
    id: run.id,
    kind: run.kind,
    name: run.name,
    status: run.status,
    bestScore: bestScoreOf(run),
    iterations: iterationsOf(run),
    costUsd: numberOrNull(usage['costUsd']),
    tokens,
    durationMs: numberOrNull(summary['durationMs']) ?? (run.status === 'running' ? now - run.createdAt : run.updatedAt - run.createdAt),
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    purpose: purposeOf(run.config),
  };
}

async function liveEvolveRow(run: RunRecord, cache: RunProgramsCache, now: number): Promise<RunRow> {
  const programs = await cache.get(run.id);
  let costUsd = 0;
  let tokens = 0;
  let attempts = 0;
  for (const program of programs.programs) {
    costUsd += program.costUsd;
    tokens += program.tokensIn + program.tokensOut;
    if (program.parentId !== null) attempts += 1;
  }
  const best = programs.best();
  return {
    ...runRow(run, now),
    bestScore: best !== undefined && isScored(best) ? best.score : null,
    iterations: attempts,
    costUsd,
    tokens,
    durationMs: now - run.createdAt,
  };
}

function bestScoreOf(run: RunRecord): number | null {
  const summary = run.summary;
  if (run.kind === 'learn') {
    const tasks = numberOrNull(summary['tasks']);
    const passed = numberOrNull(summary['passed']);
    return tasks === null || passed === null || tasks === 0 ? null : passed / tasks;
  }
  return numberOrNull(summary['bestScore']);
}

function iterationsOf(run: RunRecord): number | null {
  const summary = run.summary;
  if (run.kind === 'learn') return numberOrNull(summary['tasks']);
  if (run.kind === 'agent') return numberOrNull(summary['steps']);
  if (run.kind === 'curriculum') return numberOrNull(summary['generated']);
  return numberOrNull(summary['iterations']);
}

function purposeOf(config: JsonObject): string | null {
  const metadata = config['metadata'];
  return isJsonObject(metadata) && typeof metadata['purpose'] === 'string' ? metadata['purpose'] : null;
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** Missing values sort last in either direction: a run without a score is not the worst run. */
function compareSorted(left: unknown, right: unknown, direction: number): number {
  const leftMissing = left === null || left === undefined;
  const rightMissing = right === null || right === undefined;
  if (leftMissing || rightMissing) return leftMissing === rightMissing ? 0 : leftMissing ? 1 : -1;
  return direction * compareValues(left, right);
}

function compareValues(left: unknown, right: unknown): number {
  if (left === right) return 0;
  if (typeof left === 'number' && typeof right === 'number') return left < right ? -1 : left > right ? 1 : 0;
  return String(left).localeCompare(String(right));
}
