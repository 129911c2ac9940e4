import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, NotFoundError, UsageError } from '../../core/errors.ts';
import { isJsonObject, type JsonObject } from '../../core/json.ts';
import { parseLearnConfig, type LearnConfig } from '../../learn/learn-config.ts';
import { readTaskStream, type Task } from '../../learn/task-stream.ts';
import type { UsageMeter, UsageTotals } from '../../model/types.ts';
import { RunLease } from '../../store/run-lease.ts';
import type { RunRecord, Store } from '../../store/types.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * The run record of `lamarck learn`: what a new run saves in its config (the task file, a digest
 * of its tasks, the limit, the models, the learn settings) and what `--resume <run>` reads back,
 * so a resumed run works through the same tasks with the same settings.
 */
export interface LearnRunSettings {
  /** Absolute path of the task file. */
  tasksPath: string;
  /** sha256 of the parsed tasks: a resumed run refuses a task file that has changed. */
  tasksDigest: string;
  limit: number | undefined;
  model: string | undefined;
  learner: string | undefined;
  /** The strong model of a cascade, when the run has one. */
  escalate?: string | undefined;
  learn: LearnConfig;
}

export function tasksDigest(tasks: readonly Task[]): string {
  return createHash('sha256').update(JSON.stringify(tasks)).digest('hex');
}

export function settingsToJson(settings: LearnRunSettings): JsonObject {
  return JSON.parse(
    JSON.stringify({
      tasks: settings.tasksPath,
      tasksDigest: settings.tasksDigest,
      ...definedOnly({ limit: settings.limit }),
      model: settings.model ?? null,
      learner: settings.learner ?? null,
      ...definedOnly({ escalate: settings.escalate }),
      learn: settings.learn,
    }),
  ) as JsonObject;
}

/** The learn run to resume and the settings it started with; a missing or foreign run is NotFound. */
export async function readLearnRun(store: Store, runId: string): Promise<{ run: RunRecord; settings: LearnRunSettings }> {
  const run = await store.getRun(runId);
  if (run === undefined || run.kind !== 'learn') throw new NotFoundError('learn run', runId);
  const config = run.config;
  const text = (key: string): string | undefined => (typeof config[key] === 'string' ? config[key] : undefined);
  const tasksPath = text('tasks');
  const digest = text('tasksDigest');
  if (tasksPath === undefined || digest === undefined || !isJsonObject(config['learn'])) {
    throw new UsageError(`learn run ${runId} was started by an older lamarck that did not record its task file; it cannot be resumed`);
  }
  const limit = typeof config['limit'] === 'number' ? config['limit'] : undefined;
  return {
    run,
    settings: { tasksPath, tasksDigest: digest, limit, model: text('model'), learner: text('learner'), escalate: text('escalate'), learn: parseLearnConfig(config['learn'], `run ${runId}`) },
  };
}

/** Reads the task file of a resumed run and refuses it when its tasks are not the ones the run started with. */
export async function readResumedTasks(settings: LearnRunSettings, runId: string, cwd: string, given: string | undefined): Promise<Task[]> {
  const path = given === undefined ? settings.tasksPath : resolve(cwd, given);
  const tasks = await readTaskStream(path);
  if (tasksDigest(tasks) !== settings.tasksDigest) {
    throw new ConfigError('tasks', `the tasks in ${path} are not the ones learn run ${runId} started with; start a new run instead of resuming`);
  }
  return tasks;
}

/**
 * Claims the run for this process with the store's run lease (compare-and-set, renewed while the
 * run goes on): a second `lamarck learn --resume` of a run another live process works on is
 * refused, one whose holder died (`kill -9`) is taken over, and `lamarck runs` shows a run whose
 * lease expired as interrupted. A new run is claimed under its id before it is created, so it is
 * never stored as running without a lease. `onLost` is told if another process takes it over.
 */
export async function claimLearnRun(store: Store, runId: string, onLost: (message: string) => void): Promise<{ release: () => Promise<void> }> {
  const lease = await RunLease.acquire({
    store,
    runId,
    onLost: (holder) => onLost(`another process${holder === undefined ? '' : ` (${holder.pid} on ${holder.host})`} took over learn run ${runId}`),
  });
  return { release: () => lease.release() };
}

/**
 * Puts the usage a resumed run's earlier processes recorded back into this process's meter, so
 * budgets and the summary count the whole run. The meter only adds calls one at a time: each
 * model's line is added as one call with its tokens and cost, then as calls with none.
 */
export function restoreUsage(meter: UsageMeter, totals: UsageTotals): void {
  for (const [model, line] of Object.entries(totals.byModel)) {
    if (line.calls <= 0) continue;
    meter.record(model, { inputTokens: line.inputTokens, outputTokens: line.outputTokens, costUsd: line.costUsd });
    for (let call = 1; call < line.calls; call += 1) meter.record(model, { inputTokens: 0, outputTokens: 0, costUsd: 0 });
  }
}
