import { resolve } from 'node:path';
import type { Clock } from '../core/clock.ts';
import { ConfigError, NotFoundError, UsageError } from '../core/errors.ts';
import { EventChannel } from '../core/event-channel.ts';
import { pendingRunId, type RunHandle } from '../core/run-handle.ts';
import { isJsonObject, type JsonObject } from '../core/json.ts';
import { createUsageMeter } from '../model/usage-meter.ts';
import type { EmbeddingClient, EnsembleMember, LanguageModelClient, UsageMeter } from '../model/types.ts';
import { createId } from '../core/ids.ts';
import { openStore } from '../store/open-store.ts';
import { RunLease } from '../store/run-lease.ts';
import type { RunRecord, Store } from '../store/types.ts';
import { createWeightedModelChooser, type InsightsRefresher, type ModelChooser } from './engine/collaborators.ts';
import { defaultCollaborators } from './engine/default-collaborators.ts';
import { parseEngineSettings, type EngineSettings } from './engine/engine-settings.ts';
import { EvolutionEngine } from './engine/evolution-engine.ts';
import type { ProposalRouteBook } from './engine/proposal-routes.ts';
import type { EvolveEvent, EvolveSummary } from './engine/events.ts';
import { loadProblem } from './problem/index.ts';
import type { Evaluator, Operator, Problem } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The library entry point: `evolve(options)` starts a run (or resumes one) and returns at once
 * with a handle: the run id, a stream of events, the final summary, and `stop()`.
 */
export interface EvolveOptions {
  /** A problem directory or a loaded Problem. Optional when resuming (the run remembers its directory). */
  problem?: string | Problem;
  /** Defaults to the SQLite store under `cwd` (`.lamarck/lamarck.db`), closed when the run ends. */
  store?: Store;
  cwd?: string;
  /** Models for LLM operators: clients, or weighted ensemble members. None: model-free operators only. */
  models?: readonly (LanguageModelClient | EnsembleMember)[];
  /** Chooses the model per step (defaults to the cost-aware bandit over `models`). */
  modelChooser?: ModelChooser;
  /** The strong model of a cascade: it proposes again when the chosen model's reply cannot be used as an edit. */
  escalateTo?: LanguageModelClient | undefined;
  /** Where the cascade's per-operator routes are kept between runs (`lamarck evolve` gives the library's, src/learn/evolve-route-book.ts). */
  routeBook?: ProposalRouteBook | undefined;
  embeddings?: EmbeddingClient;
  /** Replace the problem's evaluator or the default operators (tests, benchmarks, custom operators). */
  evaluator?: Evaluator;
  /**
   * Builds the evaluator from the loaded problem (`evolve --workers external` hands evaluations to a
   * queue); `evaluator` wins when both are given. `run.meter` is the run's usage meter, for an
   * evaluator that calls models itself (an agent problem's), so its calls count against the budget.
   */
  evaluatorFactory?: (problem: Problem, run: { meter: UsageMeter }) => Evaluator;
  operators?: readonly Operator[];
  insights?: InsightsRefresher;
  /** Child attempts in the whole run (resumed runs count what they did before). */
  iterations?: number;
  seed?: number;
  budget?: { usd?: number; tokens?: number; calls?: number; wallTimeMs?: number };
  concurrency?: Partial<EngineSettings['concurrency']>;
  /** A run id to continue. */
  resume?: string;
  /** Timing of the run's lease (one process at a time per run); tests shorten it. */
  lease?: { timeToLiveMs?: number; heartbeatMs?: number };
  signal?: AbortSignal;
  name?: string;
  clock?: Clock;
}

/** An evolve run's handle: the one RunHandle shape, with evolve's events and summary. */
export type EvolveHandle = RunHandle<EvolveEvent, EvolveSummary>;

export function evolve(options: EvolveOptions): EvolveHandle {
  const channel = new EventChannel<EvolveEvent>();
  let engine: EvolutionEngine | undefined;
  let stopRequested: string | undefined;
  const runId = pendingRunId();
  const stop = (reason?: string): void => {
    stopRequested ??= reason ?? 'stopped on request';
    engine?.stop(stopRequested);
  };
  const onAbort = (): void => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopRequested = 'stopped on request';

  const result = (async (): Promise<EvolveSummary> => {
    const ownsStore = options.store === undefined;
    const store = options.store ?? (await openStore({ cwd: options.cwd ?? process.cwd() }));
    let lease: RunLease | undefined;
    let leaseLost = false;
    try {
      const prepared = await prepareRun(options, store, (id) =>
        RunLease.acquire({
          store,
          runId: id,
          ...(options.clock ? { clock: options.clock } : {}),
          ...options.lease,
          onLost: (holder) => {
            leaseLost = true;
            engine?.stop(holder === undefined ? 'another process took this run over' : `another process (${holder.pid} on ${holder.host}) took this run over`);
          },
        }),
      );
      lease = prepared.lease;
      runId.resolve(prepared.run.id);
      engine = new EvolutionEngine({ ...prepared.engine, channel, ...(options.clock ? { clock: options.clock } : {}) });
      if (stopRequested !== undefined) engine.stop(stopRequested);
      const summary = await engine.run();
      // A process that lost its lease leaves the run's status to the one that holds it now.
      if (!leaseLost) await store.updateRun(prepared.run.id, { status: runStatusOf(summary), summary: summary as unknown as JsonObject });
      return summary;
    } catch (error) {
      runId.reject(error);
      throw error;
    } finally {
      await lease?.release().catch(() => undefined);
      channel.close();
      options.signal?.removeEventListener('abort', onAbort);
      if (ownsStore) await store.close();
    }
  })();
  return { runId: runId.promise, events: channel, result, stop };
}

function runStatusOf(summary: EvolveSummary): RunRecord['status'] {
  return summary.status === 'failed' ? 'failed' : summary.status === 'stopped' ? 'stopped' : 'finished';
}

async function prepareRun(
  options: EvolveOptions,
  store: Store,
  claim: (runId: string) => Promise<RunLease>,
): Promise<{ run: RunRecord; lease: RunLease; engine: Omit<ConstructorParameters<typeof EvolutionEngine>[0], 'channel'> }> {
  const previous = options.resume === undefined ? undefined : await store.getRun(options.resume);
  if (options.resume !== undefined && (previous === undefined || previous.kind !== 'evolve')) throw new NotFoundError('evolve run', options.resume);
  // The run is claimed before anything is read or written for it: a second resumer stops here, and a
  // new run is never stored as running without a lease that shows whether its process is alive.
  const lease = await claim(previous?.id ?? createId('run'));
  try {
    return await prepareClaimedRun(options, store, previous, lease);
  } catch (error) {
    await lease.release().catch(() => undefined);
    throw error;
  }
}

async function prepareClaimedRun(
  options: EvolveOptions,
  store: Store,
  previous: RunRecord | undefined,
  lease: RunLease,
): Promise<{ run: RunRecord; lease: RunLease; engine: Omit<ConstructorParameters<typeof EvolutionEngine>[0], 'channel'> }> {
  const remembered = previous?.config ?? {};
  const problem = await resolveProblem(options.problem ?? stringField(remembered, 'problemDirectory'), options.cwd);
  const seed = options.seed ?? numberField(remembered, 'seed');
  const iterations = options.iterations ?? numberField(remembered, 'iterations');
  const budget = { ...objectField(remembered, 'budget'), ...options.budget } as NonNullable<EvolveOptions['budget']>;
  // A seeded run is replayable with any number of evaluation slots: the engine applies results in attempt order.
  const concurrency = options.concurrency;
  const settings = parseEngineSettings(problem.settings, problem.features, concurrency ? { concurrency } : {});
  const models = (options.models ?? []).map((item) => ('model' in item ? item : { model: item, weight: 1 }));
  const meter = createUsageMeter({
    ...definedOnly({ maxUsd: budget.usd, maxTokens: budget.tokens, maxCalls: budget.calls }),
  });
  const defaults = defaultCollaborators({ problem, models, meter, needEvaluator: options.evaluator === undefined && options.evaluatorFactory === undefined, needOperators: options.operators === undefined });
  const chooser = options.modelChooser ?? (models.length === 0 ? undefined : (defaults.chooser ?? createWeightedModelChooser(models)));
  const config: JsonObject = {
    problemDirectory: problem.directory,
    problemName: problem.name,
    models: models.map((member) => member.model.spec),
    ...definedOnly({ seed, iterations }),
    budget: budget as JsonObject,
    concurrency: settings.concurrency,
  };
  const run =
    previous !== undefined
      ? await store.updateRun(previous.id, { status: 'running' })
      : await store.createRun({ id: lease.runId, kind: 'evolve', name: options.name ?? problem.name, config });
  const evaluator = options.evaluator ?? options.evaluatorFactory?.(problem, { meter }) ?? defaults.evaluator;
  const operators = options.operators ?? defaults.operators;
  if (evaluator === undefined || operators === undefined) throw new ConfigError('evaluator', 'no evaluator or operators available for this problem');
  return {
    run,
    lease,
    engine: {
      runId: run.id,
      problem,
      store,
      evaluator,
      operators,
      chooser,
      escalateTo: options.escalateTo,
      routeBook: options.routeBook,
      insights: options.insights ?? defaults.insights,
      embeddings: options.embeddings,
      meter,
      settings,
      limits: { iterations, wallTimeMs: budget.wallTimeMs },
      seed: seed ?? null,
      resume: previous !== undefined,
    },
  };
}

async function resolveProblem(problem: string | Problem | undefined, cwd: string | undefined): Promise<Problem> {
  if (problem === undefined) throw new UsageError('evolve needs a problem (a directory or a loaded Problem), or a run to resume');
  if (typeof problem !== 'string') return problem;
  return loadProblem(resolve(cwd ?? process.cwd(), problem));
}

function stringField(config: JsonObject, field: string): string | undefined {
  const value = config[field];
  return typeof value === 'string' ? value : undefined;
}

function numberField(config: JsonObject, field: string): number | undefined {
  const value = config[field];
  return typeof value === 'number' ? value : undefined;
}

function objectField(config: JsonObject, field: string): JsonObject {
  const value = config[field];
  return isJsonObject(value) ? value : {};
}
