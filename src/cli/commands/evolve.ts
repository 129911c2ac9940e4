import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import type { EvolveEvent, EvolveSummary } from '../../evolve/engine/events.ts';
import { createQueueEvaluator } from '../../evolve/distributed/queue-evaluator.ts';
import { describeOccupancy, readOccupancy } from '../../evolve/distributed/worker-occupancy.ts';
import { evolve } from '../../evolve/evolve.ts';
import { evolveRunOptions } from '../../evolve/evolve-config.ts';
import type { Evaluator, Problem } from '../../evolve/types.ts';
import { modelConfig } from '../../model/model-config.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveModel, resolveModels, resolveParsedModel } from '../../model/resolve-model.ts';
import type { EnsembleMember, UsageMeter } from '../../model/types.ts';
import { openJobQueue } from '../../queue/open-job-queue.ts';
import type { JobQueue } from '../../queue/types.ts';
import type { Store } from '../../store/types.ts';
import type { EvolveCascadeSummary } from '../../evolve/engine/proposal-routes.ts';
import { libraryRouteBook } from '../../learn/evolve-route-book.ts';
import { openLibrary } from './library.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';
import { integer, positiveInteger, positiveNumber } from '../option-parsers.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';
import { createEvaluator } from '../../evolve/evaluate/create-evaluator.ts';
import { gateResultToJson } from '../../learn/agent-problem/agent-gate.ts';
import { agentProblemWiring, describeAgentGate } from './evolve-agent.ts';

/**
 * `lamarck evolve <problem-dir>`: runs (or resumes) an evolution run, drawing a progress line on
 * a terminal and printing a summary at the end (one JSON document with --json). Ctrl-C stops the
 * run cleanly; what was evaluated is already stored, and `--resume <run>` continues it.
 */
interface EvolveCommandOptions {
  agentModel?: string;
  escalate?: string;
  iterations?: number;
  model?: string[];
  seed?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  wallTime?: number;
  evaluations?: number;
  proposals?: number;
  resume?: string;
  workers?: 'in-process' | 'external';
  jobLeaseSeconds?: number;
}

export function registerEvolveCommand(program: Command, context: CliContext): void {
  program
    .command('evolve')
    .description('evolve a program: LLM edits and model-free tuning, scored by the problem evaluator')
    .argument('[problem-dir]', 'problem directory with lamarck.json (optional with --resume)')
    .option('--iterations <n>', 'child attempts in the whole run', positiveInteger)
    .option('--model <spec...>', 'model spec(s), e.g. openai:gpt-5-mini (default: the configured models)')
    .option('--agent-model <spec>', 'on an agent problem: the model the agent acts with (default: the first of --model or the configured models)')
    .option('--escalate <spec>', 'the strong model of a cascade: it proposes again when a model\'s reply cannot be used as an edit (default: escalate in the model config)')
    .option('--seed <n>', 'random seed: the same candidates and scores with any number of evaluation slots (proposals one at a time, results applied in order)', integer)
    .option('--budget-usd <x>', 'stop once this much has been spent on model calls', positiveNumber)
    .option('--budget-tokens <n>', 'stop once this many tokens have been used', positiveInteger)
    .option('--wall-time <seconds>', 'stop starting new attempts after this many seconds', positiveNumber)
    .option('--evaluations <n>', 'evaluations in flight at once', positiveInteger)
    .option('--proposals <n>', 'model calls in flight at once', positiveInteger)
    .option('--resume <run>', 'continue a stopped or killed run')
    .option('--workers <where>', 'where evaluations run: in-process, or external (queued for `lamarck worker` processes on the same store)', workersChoice, 'in-process')
    .option('--job-lease-seconds <n>', 'with --workers external on PostgreSQL: how long a job stays its worker\'s without a heartbeat before pg-boss retries it (default 30, at least 10)', positiveNumber)
    .action(async (problemDir: string | undefined, options: EvolveCommandOptions, command: Command) =>
      context.action(command, async (output) => {
        if (problemDir === undefined && options.resume === undefined) throw new UsageError('give a problem directory, or --resume <run>');
        const config = await context.config();
        const resolveOptions = modelOptionsFromConfig(config, { cwd: context.cwd });
        const models: EnsembleMember[] =
          options.model !== undefined && options.model.length > 0
            ? options.model.map((spec, index) => ({ model: resolveModel(spec, { ...resolveOptions, field: `--model ${index + 1}` }), weight: 1 }))
            : resolveModels(config, { cwd: context.cwd });
        const strongSpec = modelConfig(config).escalate;
        const escalateTo =
          options.escalate !== undefined
            ? resolveModel(options.escalate, { ...resolveOptions, field: '--escalate' })
            : strongSpec === undefined
              ? undefined
              : resolveParsedModel(strongSpec, { ...resolveOptions, field: 'escalate' });
        const embeddings = resolveConfiguredEmbeddingModel(config, { cwd: context.cwd });
        const store = await context.store();
        const runOptions = evolveRunOptions(config, { ...options, wallTimeSeconds: options.wallTime });
        const external = options.workers === 'external' ? await externalEvaluation(context, store, options.jobLeaseSeconds) : undefined;
        const agentModel = options.agentModel === undefined ? models[0]?.model : resolveModel(options.agentModel, { ...resolveOptions, field: '--agent-model' });
        const agent = agentProblemWiring({ context, agentModel, external: external !== undefined });
        const evaluatorFactory = (problem: Problem, run: { meter: UsageMeter }): Evaluator => agent.evaluatorFor(problem, run.meter) ?? external?.evaluatorFactory(problem) ?? createEvaluator(problem);
        // A cascade's per-operator routes live in the library beside learn's (src/learn/evolve-route-book.ts).
        const routeBook = escalateTo === undefined ? undefined : libraryRouteBook(await openLibrary(context, store));
        const handle = evolve({
          ...definedOnly({ problem: problemDir }),
          cwd: context.cwd,
          store,
          models,
          escalateTo,
          routeBook,
          ...(embeddings ? { embeddings } : {}),
          ...runOptions,
          evaluatorFactory,
          ...definedOnly({ resume: options.resume }),
        });
        const onSignal = (): void => handle.stop();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          for await (const event of handle.events) report(event, output);
          const summary = await handle.result;
          output.endProgress();
          const occupancy = external === undefined ? undefined : await readOccupancy(store, summary.runId);
          const gate = await agent.gate(summary);
          if (output.json) output.printJson({ ...jsonSummary(summary), ...definedOnly({ workers: occupancy, agentGate: mapDefined(gate, gateResultToJson) }) });
          else {
            output.info(textSummary(summary) + (occupancy === undefined ? '' : `\nexternal workers: ${describeOccupancy(occupancy)}`) + (gate === undefined ? '' : `\n${describeAgentGate(gate)}`));
          }
          return summary.status === 'failed' ? 1 : 0;
        } finally {
          await external?.queue.close();
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
      }),
    );
}

function report(event: EvolveEvent, output: Output): void {
  switch (event.type) {
    case 'run-started':
      output.info(`${event.resumed ? 'resuming' : 'started'} run ${event.runId} on ${event.problem} (operators: ${event.operators.join(', ')}${event.models.length > 0 ? `; models: ${event.models.join(', ')}` : ''})`);
      return;
    case 'notice':
      if (event.level === 'warning') output.warn(event.message);
      else output.info(event.message);
      return;
    case 'candidate-evaluated':
    case 'candidate-rejected': {
      const totals = event.totals;
      const seconds = totals.elapsedMs / 1000;
      const rate = seconds > 0 ? totals.evaluationsHere / seconds : 0;
      output.progress(
        `iteration ${totals.iterations} · best ${formatScore(totals.bestScore)} · ${rate.toFixed(2)} eval/s · failures ${totals.failures} · $${totals.costUsd.toFixed(4)}`,
      );
      return;
    }
    default:
      return;
  }
}

/** The one JSON document `--json` prints. */
export function jsonSummary(summary: EvolveSummary): Record<string, unknown> {
  return {
    runId: summary.runId,
    status: summary.status,
    stopReason: summary.stopReason,
    message: summary.message,
    bestProgramId: summary.bestProgramId,
    bestScore: summary.bestScore,
    front: summary.front,
    initialScore: summary.initialScore,
    iterations: summary.iterations,
    evaluations: summary.evaluations,
    failures: countsWithLatest(summary.failures, summary.latestMessages),
    rejections: countsWithLatest(summary.rejections, summary.latestMessages),
    operators: summary.operators,
    repaired: summary.repaired,
    costUsd: summary.usage.costUsd,
    tokens: { input: summary.usage.inputTokens, output: summary.usage.outputTokens },
    durationMs: Math.round(summary.durationMs),
    evaluationsPerSecond: Math.round(summary.evaluationsPerSecond * 1000) / 1000,
    ...definedOnly({ cascade: summary.cascade }),
  };
}

/** `{ kind: { count, latest } }`: how often each kind happened and the last message it gave. */
function countsWithLatest(counts: Record<string, number>, latest: Record<string, string>): Record<string, { count: number; latest: string | null }> {
  return Object.fromEntries(Object.entries(counts).map(([kind, count]) => [kind, { count, latest: latest[kind] ?? null }]));
}

function textSummary(summary: EvolveSummary): string {
  const lines = [
    `run ${summary.runId}: ${summary.status} (${summary.stopReason})${summary.message === null ? '' : ` — ${summary.message}`}`,
    `best ${formatScore(summary.bestScore)} (program ${summary.bestProgramId ?? '-'}), initial ${formatScore(summary.initialScore)}`,
    `${summary.iterations} iterations, ${summary.evaluations} evaluations${summary.repaired > 0 ? `, repaired ${summary.repaired}` : ''}, cost $${summary.usage.costUsd.toFixed(4)}, ${(summary.durationMs / 1000).toFixed(1)} s`,
  ];
  lines.push(...kindLines('failures', 'failure', summary.failures, summary.latestMessages));
  lines.push(...kindLines('rejections', 'rejection', summary.rejections, summary.latestMessages));
  lines.push(...frontLines(summary.front));
  lines.push(...operatorLines(summary.operators));
  if (summary.cascade !== undefined) lines.push(cascadeLine(summary.cascade));
  return lines.join('\n');
}

/** What the cascade did and saved against always-strong, as learn's summary says it. */
function cascadeLine(cascade: EvolveCascadeSummary): string {
  const saved =
    cascade.savedEstimateUsd === undefined
      ? 'the strong model never proposed, so no always-strong estimate'
      : `always-strong would have cost about $${cascade.alwaysStrongEstimateUsd!.toFixed(4)}, saved about $${cascade.savedEstimateUsd.toFixed(4)} (estimated from the strong model's mean cost per proposal)`;
  const routed = cascade.strongOperators.length === 0 ? '' : `; routed to the strong model: ${cascade.strongOperators.join(', ')}`;
  return `cascade: ${cascade.cheap} proposals by the first model, ${cascade.escalated} escalated, ${cascade.routedStrong} sent straight to the strong one, ${cascade.repairedByStrong} broken children repaired by it; proposal cost $${cascade.costUsd.toFixed(4)}; ${saved}${routed}`;
}

/**
 * The Pareto front of a run with objectives, e.g.
 * `pareto front (success maximize, cost minimize): 2 programs` then
 * `  prg_1: success 0.9, cost 0.02 (score 0.9)`.
 */
function frontLines(front: EvolveSummary['front']): string[] {
  if (front === null) return [];
  const goals = front.objectives.map((objective) => `${objective.metric} ${objective.goal}`).join(', ');
  return [
    `pareto front (${goals}): ${front.members.length} program${front.members.length === 1 ? '' : 's'}`,
    ...front.members.map(
      (member) => `  ${member.programId}: ${Object.entries(member.objectives).map(([metric, value]) => `${metric} ${formatScore(value)}`).join(', ')} (score ${formatScore(member.score)})`,
    ),
  ];
}

/**
 * The yield of each operator, e.g.
 * `  llm-diff: 20 proposed, 18 evaluated, 5 improved; rejected novelty-rejected 2; failed timeout 1`.
 */
function operatorLines(operators: EvolveSummary['operators']): string[] {
  const entries = Object.entries(operators);
  if (entries.length === 0) return [];
  const breakdown = (label: string, counts: Record<string, number>): string => {
    const parts = Object.entries(counts).sort(([, a], [, b]) => b - a).map(([kind, count]) => `${kind} ${count}`);
    return parts.length === 0 ? '' : `; ${label} ${parts.join(', ')}`;
  };
  return [
    'yield by operator:',
    ...entries.map(
      ([name, counts]) =>
        `  ${name}: ${counts.proposed} proposed, ${counts.evaluated} evaluated, ${counts.improved} improved${breakdown('rejected', counts.rejected)}${breakdown('failed', counts.failed)}`,
    ),
  ];
}

/**
 * One line per kind, with its count and its latest message, e.g.
 * `  exit-code: 1 failure (latest: the evaluator exited with code 2: python3: can't open file ...)`.
 */
function kindLines(title: string, noun: string, counts: Record<string, number>, latest: Record<string, string>): string[] {
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return title === 'failures' ? ['failures: none'] : [];
  return [
    `${title}:`,
    ...entries.map(([kind, count]) => {
      const message = latest[kind];
      return `  ${kind}: ${count} ${noun}${count === 1 ? '' : 's'}${message === undefined ? '' : ` (latest: ${oneLine(message)})`}`;
    }),
  ];
}

/** A message on one line, cut at a length a terminal shows. */
function oneLine(message: string): string {
  const flat = message.replace(/\s*\n\s*/g, ' ');
  return flat.length <= 300 ? flat : `${flat.slice(0, 297)}...`;
}

function formatScore(score: number | null): string {
  return score === null ? '-' : Number(score.toPrecision(10)).toString();
}

/** The queue evaluator of `--workers external`, on the job queue of the run's own store. */
async function externalEvaluation(context: CliContext, store: Store, leaseSeconds: number | undefined): Promise<{ queue: JobQueue; evaluatorFactory: (problem: Problem) => Evaluator }> {
  // pg-boss fixes each job's lease when the job is sent, so the coordinator chooses it; the SQLite job table takes the worker's.
  const queue = await openJobQueue(store, await context.storeTarget(), leaseSeconds === undefined ? {} : { leaseSeconds });
  return { queue, evaluatorFactory: (problem) => createQueueEvaluator({ problem, store, queue }) };
}

function workersChoice(value: string): 'in-process' | 'external' {
  if (value !== 'in-process' && value !== 'external') throw new InvalidArgumentError('expected in-process or external');
  return value;
}
