import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { createAgentActor } from '../../learn/actor.ts';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import type { CascadeSummary } from '../../learn/cascade-summary.ts';
import type { LearnEvent } from '../../learn/learn-events.ts';
import { runLearn, type LearnResult } from '../../learn/learn-loop.ts';
import { storeLearnProgress } from '../../learn/learn-progress.ts';
import { summarizeFailures } from '../../learn/step-failure.ts';
import { readTaskStream, type Task } from '../../learn/task-stream.ts';
import { preferencePairs, sftExamples, toJsonl } from '../../learn/training-data.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import { configuredRerank } from '../../library/retrieval/retrieval-config.ts';
import { modelConfig } from '../../model/model-config.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveModel, resolveParsedModel } from '../../model/resolve-model.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import type { RunRecord } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';
import { claimLearnRun, readLearnRun, readResumedTasks, restoreUsage, settingsToJson, tasksDigest, type LearnRunSettings } from './learn-run.ts';
import { openLibrary } from './library.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/**
 * `lamarck learn <tasks.jsonl>`: runs the learn loop over a task stream against the configured
 * library and prints the learning curves (per task: success, cost, tokens injected, library size,
 * new artifacts, failed steps) at the end; `--json` prints them as one document. The task file is
 * checked whole before anything runs: one bad line refuses it, and every bad line is listed.
 * `--resume <run>` continues a run that was killed, crashed or stopped at its budget.
 */
export function registerLearnCommand(program: Command, context: CliContext): void {
  program
    .command('learn [tasks]')
    .description('learn skills, lessons, guardrails and tools from a JSONL task stream, gating every change')
    .option('--model <spec>', 'the agent model (default: the first configured model; with --resume, the run\'s)')
    .option('--escalate <spec>', 'the strong model of a cascade: --model acts first, this one when it fails (a failed verifier, a low critic score, a refusal); kinds of task the first keeps failing go straight to it (default: escalate in the model config)')
    .option('--learner <spec>', 'the model that judges, reflects and consolidates (default: the agent model)')
    .option('--limit <n>', 'stop after this many training tasks')
    .option('--resume <run>', 'continue a learn run after a crash, kill -9 or budget stop: finished tasks are skipped and no change is committed twice')
    .option('--export-sft <file>', 'write supervised examples from successes (chat messages JSONL)')
    .option('--export-pairs <file>', 'write preference pairs from success and failure on the same task (JSONL)')
    .addHelpText(
      'after',
      '\nThe task file is checked whole before any model is called: a file with a bad line (invalid JSON, a missing or\n' +
        'blank id or prompt, a bad verifier, a duplicate id) is refused, and the error lists every bad line and field.\n' +
        'A reply from the learner that cannot be used (reflection, critic, consolidation) is recorded as a failed step\n' +
        'of its task, shown in the curve and the summary, and the run goes on.',
    )
    .action(async (tasksPath: string | undefined, options: LearnFlags, command: Command) =>
      context.action(command, async (output) => learn(context, output, tasksPath, options)),
    );
}

interface LearnFlags {
  model?: string;
  learner?: string;
  escalate?: string;
  limit?: string;
  resume?: string;
  exportSft?: string;
  exportPairs?: string;
}

async function learn(context: CliContext, output: Output, tasksPath: string | undefined, flags: LearnFlags): Promise<number> {
  const config = await context.config();
  const limitFlag = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limitFlag !== undefined && (!Number.isInteger(limitFlag) || limitFlag < 1)) throw new UsageError(`--limit expects a positive whole number, got "${flags.limit}"`);
  if (tasksPath === undefined && flags.resume === undefined) throw new UsageError('give a task file (JSONL), or --resume <run>');
  // The exports are written after the whole run; a folder that is not there must stop it now.
  if (flags.exportSft !== undefined) await requirePath(dirname(resolve(context.cwd, flags.exportSft)), 'directory', '--export-sft folder');
  if (flags.exportPairs !== undefined) await requirePath(dirname(resolve(context.cwd, flags.exportPairs)), 'directory', '--export-pairs folder');

  // Everything the run needs is read and checked before any model is resolved or called.
  let settings: LearnRunSettings;
  let allTasks: Task[];
  let resumed: RunRecord | undefined;
  const library = await openLibrary(context);
  if (flags.resume !== undefined) {
    const previous = await readLearnRun(library.store, flags.resume);
    resumed = previous.run;
    allTasks = await readResumedTasks(previous.settings, previous.run.id, context.cwd, tasksPath);
    settings = {
      ...previous.settings,
      limit: limitFlag ?? previous.settings.limit,
      model: flags.model ?? previous.settings.model,
      learner: flags.learner ?? (flags.model === undefined ? previous.settings.learner : undefined),
      escalate: flags.escalate ?? previous.settings.escalate,
    };
  } else {
    const path = resolve(context.cwd, tasksPath!);
    allTasks = await readTaskStream(path);
    settings = { tasksPath: path, tasksDigest: tasksDigest(allTasks), limit: limitFlag, model: flags.model, learner: flags.learner, escalate: flags.escalate, learn: parseLearnConfig(config.learn, config.source) };
  }
  const learnConfig = settings.learn;
  const tasks = settings.limit === undefined ? allTasks : limitTraining(allTasks, settings.limit);
  if (!tasks.some((task) => task.split !== 'holdout')) throw new ConfigError('tasks', `${settings.tasksPath} has no training tasks (every task is in the holdout split, or the file is empty)`);
  const probes = learnConfig.gate.probes === undefined ? [] : await readProbes(resolve(context.cwd, learnConfig.gate.probes));

  const models = modelConfig(config);
  const modelOptions = modelOptionsFromConfig(models);
  const configured = models.models[0];
  if (settings.model === undefined && configured === undefined) {
    throw new UsageError('no model: pass --model <spec> (for example ollama:qwen2.5-coder) or configure models in lamarck.config.json');
  }
  const model =
    settings.model === undefined
      ? resolveParsedModel(configured!, { ...modelOptions, field: 'models.0' })
      : resolveModel(settings.model, { ...modelOptions, field: flags.model === undefined ? 'run model' : '--model' });
  const learner = settings.learner === undefined ? model : resolveModel(settings.learner, { ...modelOptions, field: flags.learner === undefined ? 'run learner' : '--learner' });
  const strong =
    settings.escalate !== undefined
      ? resolveModel(settings.escalate, { ...modelOptions, field: flags.escalate === undefined ? 'run escalate' : '--escalate' })
      : models.escalate === undefined
        ? undefined
        : resolveParsedModel(models.escalate, { ...modelOptions, field: 'escalate' });
  const embedding = resolveConfiguredEmbeddingModel(models);
  const meter = createUsageMeter(config.budget);
  const rerank = configuredRerank(config, { cwd: context.cwd, meter, onKeptLexicalOrder: (reason) => output.warn(`retrieval kept the lexical order: ${reason}`) });
  const index = new LibraryIndex({ embedding, rerank });

  // The run and its events go to the store, so `lamarck runs` lists learn runs beside evolve runs.
  const runConfig = settingsToJson({ ...settings, model: model.spec, learner: learner.spec, escalate: strong?.spec });
  const runId = resumed?.id ?? createId('run');
  const stop = new AbortController();
  const lease = await claimLearnRun(library.store, runId, (message) => stop.abort(new Error(message)));
  let run: RunRecord;
  try {
    run = resumed ?? (await library.store.createRun({ id: runId, kind: 'learn', name: tasksPath ?? settings.tasksPath, config: runConfig }));
  } catch (error) {
    await lease.release().catch(() => undefined);
    throw error;
  }
  let leaseLost = false;
  stop.signal.addEventListener('abort', () => (leaseLost = true));
  const progress = storeLearnProgress(library.store, run.id);
  let writes: Promise<unknown> = Promise.resolve();
  const record = (event: LearnEvent): void => {
    const { type, ...data } = event;
    writes = writes.then(() => library.store.appendEvent(run.id, type, JSON.parse(JSON.stringify(data)) as JsonObject)).catch(() => undefined);
  };
  let result: LearnResult;
  try {
    if (resumed !== undefined) {
      await library.store.updateRun(run.id, { status: 'running', config: runConfig });
      const usage = await progress.usage();
      if (usage !== undefined) restoreUsage(meter, usage);
      output.progress(`resuming learn run ${run.id}`);
    }
    const handle = runLearn({
      tasks,
      probes,
      library,
      index,
      actor: createAgentActor({ model, store: library.store, meter, limits: { maxSteps: learnConfig.maxSteps } }),
      ...definedOnly({
        escalation: mapDefined(strong, (model) => ({ strong: createAgentActor({ model, store: library.store, meter, limits: { maxSteps: learnConfig.maxSteps } }), ...learnConfig.escalation })),
      }),
      learner,
      config: learnConfig,
      meter,
      cwd: context.cwd,
      progress,
      signal: stop.signal,
    });
    handle.events.subscribe((event) => {
      record(event);
      report(output, event);
    });
    // Ctrl-C stops at the next safe point (before the next task or proposal), with what is done
    // recorded, so `--resume` continues; a second Ctrl-C, with the handler gone, ends the process.
    const interrupt = (): void => handle.stop('interrupted');
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      result = await handle.result;
    } finally {
      process.removeListener('SIGINT', interrupt);
      process.removeListener('SIGTERM', interrupt);
    }
  } catch (error) {
    await writes;
    if (!leaseLost) await library.store.updateRun(run.id, { status: 'failed', summary: { error: error instanceof Error ? error.message : String(error) } });
    await lease.release().catch(() => undefined);
    throw error;
  }
  await writes;
  await lease.release().catch(() => undefined);
  output.endProgress();

  const exports: Record<string, number> = {};
  if (flags.exportSft !== undefined) {
    const examples = sftExamples(result.attempts);
    await writeFile(resolve(context.cwd, flags.exportSft), toJsonl(examples), 'utf8');
    exports['sft'] = examples.length;
  }
  if (flags.exportPairs !== undefined) {
    const pairs = preferencePairs(result.attempts);
    await writeFile(resolve(context.cwd, flags.exportPairs), toJsonl(pairs), 'utf8');
    exports['pairs'] = pairs.length;
  }
  const totals = meter.totals();
  const summary = {
    tasks: result.curves.length,
    passed: result.curves.filter((point) => point.passed).length,
    committed: result.committed,
    rejected: result.rejected,
    unchanged: result.unchanged,
    failedSteps: summarizeFailures(result.failures),
    librarySize: result.curves.at(-1)?.librarySize ?? 0,
    modelCalls: totals.calls,
    costUsd: round(totals.costUsd),
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    ...definedOnly({ resumedTasks: mapDefined(resumed, () => result.resumedTasks), stoppedBy: result.stoppedBy, cascade: result.cascade }),
    exports,
  };
  // A process that lost the run to another leaves its status to that one.
  if (!leaseLost) {
    await library.store.updateRun(run.id, {
      status: result.stoppedBy === undefined ? 'finished' : 'stopped',
      summary: JSON.parse(JSON.stringify({ ...summary, curves: result.curves })) as JsonObject,
    });
  }
  if (output.json) {
    output.printJson({ runId: run.id, summary, curves: result.curves });
    return 0;
  }
  output.info('');
  output.info('task            pass  score  cost($)   injected  library  new  committed  rejected  same  failed');
  for (const point of result.curves) {
    output.info(
      `${point.taskId.padEnd(15).slice(0, 15)} ${(point.passed ? 'yes' : 'no').padEnd(5)} ${point.score.toFixed(2).padStart(5)}  ${point.costUsd.toFixed(4).padStart(7)}  ${String(point.tokensInjected).padStart(8)}  ${String(point.librarySize).padStart(7)}  ${String(point.newArtifacts).padStart(3)}  ${String(point.committed).padStart(9)}  ${String(point.rejected).padStart(8)}  ${String(point.unchanged).padStart(4)}  ${point.failures.length === 0 ? '     -' : point.failures.map((failure) => failure.step).join(',').padStart(6)}`,
    );
  }
  const failed = Object.entries(summary.failedSteps).map(([step, line]) => `${line.count} ${step}`);
  output.info(
    `\n${summary.passed}/${summary.tasks} passed; ${summary.committed} changes committed, ${summary.rejected} rejected, ${summary.unchanged} unchanged; ` +
      `${failed.length === 0 ? 'no failed steps' : `failed steps: ${failed.join(', ')}`}; library ${summary.librarySize} artifacts; ${summary.modelCalls} model calls; $${summary.costUsd.toFixed(4)} (run ${run.id})`,
  );
  if (result.cascade !== undefined) output.info(cascadeLine(result.cascade));
  for (const [step, line] of Object.entries(summary.failedSteps)) output.warn(`latest ${step} failure: ${line.latest}`);
  if (result.stoppedBy !== undefined) output.warn(`stopped early: ${result.stoppedBy}; continue with lamarck learn --resume ${run.id}`);
  for (const [kind, count] of Object.entries(exports)) output.info(`exported ${count} ${kind === 'sft' ? 'supervised examples' : 'preference pairs'}`);
  return 0;
}

function cascadeLine(cascade: CascadeSummary): string {
  const saved =
    cascade.savedEstimateUsd === undefined
      ? 'the strong model never ran, so there is no always-strong estimate'
      : `always-strong would have cost about $${cascade.alwaysStrongEstimateUsd!.toFixed(4)}, saved about $${cascade.savedEstimateUsd.toFixed(4)} (estimated from the strong model's mean cost per task)`;
  const kinds = cascade.strongKinds.length === 0 ? '' : `; routed to the strong model: ${cascade.strongKinds.join(', ')}`;
  return `cascade: ${cascade.cheap} tasks settled by the first model, ${cascade.escalated} escalated, ${cascade.routedStrong} sent straight to the strong one; acting cost $${cascade.costUsd.toFixed(4)}; ${saved}${kinds}`;
}

function report(output: Output, event: LearnEvent): void {
  switch (event.type) {
    case 'task-started':
      output.progress(`task ${event.index + 1}: ${event.taskId}`);
      break;
    case 'task-judged':
      if (output.verbose) output.info(`${event.taskId}: ${event.verdict.passed ? 'passed' : 'failed'} (${event.verdict.method}) ${event.verdict.feedback}`);
      break;
    case 'proposal-committed':
      output.info(
        `${event.taskId}: committed ${event.proposal.op} ${event.proposal.kind} ${event.proposal.name} v${event.version} (${event.recovered === true ? 'committed before the interruption' : event.figures.reason})`,
      );
      break;
    case 'proposal-regated':
      output.info(`${event.taskId}: ${event.proposal.op} ${event.proposal.kind} ${event.proposal.name} met a newer version (${event.reason}); gating it again on the new head`);
      break;
    case 'proposal-unchanged':
      output.info(`${event.taskId}: unchanged ${event.proposal.op} ${event.proposal.kind} ${event.proposal.name} (${event.reason}; no version made)`);
      break;
    case 'step-failed':
      output.warn(`${event.taskId}: ${event.failure.step} failed${event.failure.gateTaskId === undefined ? '' : ` on ${event.failure.gateTaskId}`} (${event.failure.message}); the run goes on`);
      break;
    case 'task-resumed':
      output.info(`${event.taskId}: resumed after its reflection (${event.decided} of ${event.proposals} proposals already decided)`);
      break;
    case 'proposal-rejected': {
      const what = event.proposal === null ? 'a proposal' : `${event.proposal.op} ${event.proposal.kind} ${event.proposal.name}`;
      const problems = event.problems === undefined ? '' : `: ${event.problems.join('; ')}`;
      output.info(`${event.taskId}: rejected ${what} (${event.reason}${problems})`);
      break;
    }
    case 'artifact-retired':
      output.info(`${event.taskId}: retired ${event.kind} ${event.name} (${event.reason})`);
      break;
    default:
      break;
  }
}

/** The safety probes named in lamarck.config.json; a missing file names the setting that points at it. */
async function readProbes(path: string): Promise<Task[]> {
  await requirePath(path, 'file', 'learn.gate.probes file');
  return readTaskStream(path);
}

/** The first `limit` training tasks, with every held-out task kept for the gate. */
function limitTraining<T extends { split: string }>(tasks: readonly T[], limit: number): T[] {
  let training = 0;
  return tasks.filter((task) => task.split === 'holdout' || (training += 1) <= limit);
}

function round(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
