import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import { createAgentActor } from '../../learn/actor.ts';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import type { LearnEvent } from '../../learn/learn-events.ts';
import { runLearn } from '../../learn/learn-loop.ts';
import { readTaskStream } from '../../learn/task-stream.ts';
import { preferencePairs, sftExamples, toJsonl } from '../../learn/training-data.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveModel } from '../../model/resolve-model.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';
import { openLibrary } from './library.ts';

/**
 * `lamarck learn <tasks.jsonl>`: runs the learn loop over a task stream against the configured
 * library and prints the learning curves (per task: success, cost, tokens injected, library size,
 * new artifacts) at the end; `--json` prints them as one document.
 */
export function registerLearnCommand(program: Command, context: CliContext): void {
  program
    .command('learn <tasks>')
    .description('learn skills, lessons, guardrails and tools from a JSONL task stream, gating every change')
    .option('--model <spec>', 'the agent model (default: the first configured model)')
    .option('--learner <spec>', 'the model that judges, reflects and consolidates (default: the agent model)')
    .option('--limit <n>', 'stop after this many training tasks')
    .option('--export-sft <file>', 'write supervised examples from successes (chat messages JSONL)')
    .option('--export-pairs <file>', 'write preference pairs from success and failure on the same task (JSONL)')
    .action(async (tasksPath: string, options: LearnFlags, command: Command) =>
      context.action(command, async (output) => learn(context, output, tasksPath, options)),
    );
}

interface LearnFlags {
  model?: string;
  learner?: string;
  limit?: string;
  exportSft?: string;
  exportPairs?: string;
}

async function learn(context: CliContext, output: Output, tasksPath: string, flags: LearnFlags): Promise<number> {
  const config = await context.config();
  const learnConfig = parseLearnConfig(config.learn, config.source);
  const allTasks = await readTaskStream(resolve(context.cwd, tasksPath));
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit expects a positive whole number, got "${flags.limit}"`);
  const tasks = limit === undefined ? allTasks : limitTraining(allTasks, limit);
  const probes = learnConfig.gate.probes === undefined ? [] : await readTaskStream(resolve(context.cwd, learnConfig.gate.probes));

  const modelOptions = modelOptionsFromConfig(config);
  const agentSpec = flags.model ?? config.models[0];
  if (agentSpec === undefined) throw new UsageError('no model: pass --model <spec> (for example ollama:qwen2.5-coder) or configure models in lamarck.config.json');
  const model = resolveModel(agentSpec, { ...modelOptions, field: flags.model === undefined ? 'models.0' : '--model' });
  const learner = flags.learner === undefined ? model : resolveModel(flags.learner, { ...modelOptions, field: '--learner' });
  const embedding = resolveConfiguredEmbeddingModel(config);
  const meter = createUsageMeter(config.budget);
  const library = await openLibrary(context);
  const index = new LibraryIndex(embedding === undefined ? {} : { embedding });

  // The run and its events go to the store, so `lamarck runs` lists learn runs beside evolve runs.
  const run = await library.store.createRun({ kind: 'learn', name: tasksPath, config: JSON.parse(JSON.stringify({ learn: learnConfig, model: model.spec, learner: learner.spec })) as JsonObject });
  let writes: Promise<unknown> = Promise.resolve();
  const record = (event: LearnEvent): void => {
    const { type, ...data } = event;
    writes = writes.then(() => library.store.appendEvent(run.id, type, JSON.parse(JSON.stringify(data)) as JsonObject)).catch(() => undefined);
  };
  let result: Awaited<ReturnType<typeof runLearn>>;
  try {
    result = await runLearn({
      tasks,
      probes,
      library,
      index,
      actor: createAgentActor({ model, store: library.store, meter, limits: { maxSteps: learnConfig.maxSteps } }),
      learner,
      config: learnConfig,
      meter,
      cwd: context.cwd,
      onEvent: (event) => {
        record(event);
        report(output, event);
      },
    });
  } catch (error) {
    await writes;
    await library.store.updateRun(run.id, { status: 'failed', summary: { error: error instanceof Error ? error.message : String(error) } });
    throw error;
  }
  await writes;
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
    librarySize: result.curves.at(-1)?.librarySize ?? 0,
    costUsd: round(totals.costUsd),
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    ...(result.stoppedBy === undefined ? {} : { stoppedBy: result.stoppedBy }),
    exports,
  };
  await library.store.updateRun(run.id, {
    status: result.stoppedBy === undefined ? 'finished' : 'stopped',
    summary: JSON.parse(JSON.stringify({ ...summary, curves: result.curves })) as JsonObject,
  });
  if (output.json) {
    output.printJson({ runId: run.id, summary, curves: result.curves });
    return 0;
  }
  output.info('');
  output.info('task            pass  score  cost($)   injected  library  new  committed  rejected');
  for (const point of result.curves) {
    output.info(
      `${point.taskId.padEnd(15).slice(0, 15)} ${(point.passed ? 'yes' : 'no').padEnd(5)} ${point.score.toFixed(2).padStart(5)}  ${point.costUsd.toFixed(4).padStart(7)}  ${String(point.tokensInjected).padStart(8)}  ${String(point.librarySize).padStart(7)}  ${String(point.newArtifacts).padStart(3)}  ${String(point.committed).padStart(9)}  ${String(point.rejected).padStart(8)}`,
    );
  }
  output.info(
    `\n${summary.passed}/${summary.tasks} passed; ${summary.committed} changes committed, ${summary.rejected} rejected; library ${summary.librarySize} artifacts; $${summary.costUsd.toFixed(4)}`,
  );
  if (result.stoppedBy !== undefined) output.warn(`stopped early: ${result.stoppedBy}`);
  for (const [kind, count] of Object.entries(exports)) output.info(`exported ${count} ${kind === 'sft' ? 'supervised examples' : 'preference pairs'}`);
  return 0;
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
      output.info(`${event.taskId}: committed ${event.proposal.op} ${event.proposal.kind} ${event.proposal.name} v${event.version} (${event.figures.reason})`);
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

/** The first `limit` training tasks, with every held-out task kept for the gate. */
function limitTraining<T extends { split: string }>(tasks: readonly T[], limit: number): T[] {
  let training = 0;
  return tasks.filter((task) => task.split === 'holdout' || (training += 1) <= limit);
}

function round(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
