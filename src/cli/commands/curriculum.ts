import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import { createAgentActor } from '../../learn/actor.ts';
import { domainTarget, gapTarget, writeCurriculum, type Curriculum, type CurriculumCalibration, type CurriculumTarget } from '../../learn/curriculum.ts';
import { findLibraryGaps, type LibraryGap } from '../../learn/curriculum-gaps.ts';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import { LibraryKnowledge } from '../../learn/library-knowledge.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import { definedOnly } from '../../core/defined-only.ts';
import { modelConfig } from '../../model/model-config.ts';
import { findPricing } from '../../model/pricing.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveModel, resolveParsedModel } from '../../model/resolve-model.ts';
import { parseModelSpec } from '../../model/spec.ts';
import type { LanguageModelClient } from '../../model/types.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import type { CliContext } from '../context.ts';
import { nonNegativeInteger, positiveInteger, positiveNumber, share } from '../option-parsers.ts';
import type { Output } from '../output.ts';
import { openLibrary } from './library.ts';

/**
 * `lamarck curriculum "<domain>" --out tasks.jsonl`, or `lamarck curriculum --from-gaps --out
 * tasks.jsonl`: the model writes tasks for the domain, or for each gap the library shows (failure
 * clusters of learn attempts, skills without held-out coverage), with verifiers; a task whose
 * verifier does not pass its reference solution and fail a wrong one is dropped, as is a
 * near-duplicate, each with its reason. Unless `--tries 0`, the current agent (its model and the
 * library) tries each checked task, and only tasks it solves about half the time are kept, with
 * harder or easier variants asked for the rest. The file written is a task stream for `lamarck
 * learn`, every task tagged with its kind and `self-generated`; the output says which gap each
 * task targets and how often the agent solved it. Every model call counts against the budget.
 */
interface CurriculumFlags {
  out: string;
  fromGaps?: boolean;
  gaps: number;
  tag: string;
  count: number;
  model?: string;
  agent?: string;
  tries: number;
  rounds: number;
  minSuccess: number;
  maxSuccess: number;
  budgetUsd?: number;
}

export function registerCurriculumCommand(program: Command, context: CliContext): void {
  program
    .command('curriculum [domain]')
    .description('write tasks with checked verifiers, for a domain or the library\'s own gaps, calibrated to about half success, as a task stream for lamarck learn')
    .requiredOption('--out <file>', 'the task file (JSONL) to write')
    .option('--from-gaps', 'aim the tasks at the library\'s gaps (failure clusters in the store, skills without held-out coverage) instead of a domain')
    .option('--gaps <n>', 'with --from-gaps: the most gaps to write tasks for', positiveInteger, 5)
    .option('--tag <tag>', 'the tag naming the domain, which learn treats as the tasks\' kind (a gap names its own)', 'generated')
    .option('--count <n>', 'how many tasks to keep per domain or gap', positiveInteger, 10)
    .option('--model <spec>', 'the model that writes the tasks (default: the first configured model)')
    .option('--agent <spec>', 'the agent model whose success calibrates difficulty (default: the first configured model, else --model)')
    .option('--tries <n>', 'attempts of the agent per task to measure its success; 0 keeps tasks without calibration', nonNegativeInteger, 4)
    .option('--rounds <n>', 'batches per domain or gap: the first, then harder or easier variants of tasks too easy or too hard', positiveInteger, 3)
    .option('--min-success <share>', 'the lowest share of tries the agent solves for a task to be kept', share, 0.25)
    .option('--max-success <share>', 'the highest share of tries the agent solves for a task to be kept', share, 0.75)
    .option('--budget-usd <x>', 'stop once this much has been spent on model calls (the writer\'s and the agent\'s tries), writing what was measured', positiveNumber)
    .action(async (domain: string | undefined, flags: CurriculumFlags, command: Command) =>
      context.action(command, async (output) => curriculum(context, output, domain, flags)),
    );
}

async function curriculum(context: CliContext, output: Output, domain: string | undefined, flags: CurriculumFlags): Promise<number> {
  const fromGaps = flags.fromGaps === true;
  if (fromGaps && domain !== undefined) throw new UsageError('give a domain or --from-gaps, not both');
  if (!fromGaps && (domain === undefined || domain.trim() === '')) throw new UsageError('give the domain to write tasks for, in words, or --from-gaps');
  if (flags.count > 200) throw new UsageError(`--count expects a whole number from 1 to 200, got "${flags.count}"`);
  if (flags.minSuccess > flags.maxSuccess) throw new UsageError(`--min-success (${flags.minSuccess}) is above --max-success (${flags.maxSuccess})`);
  const out = resolve(context.cwd, flags.out);
  await requirePath(dirname(out), 'directory', '--out folder');
  const config = await context.config();
  const learnConfig = parseLearnConfig(config.learn, config.source);
  const models = modelConfig(config);
  const budget = { ...config.budget, ...definedOnly({ maxUsd: flags.budgetUsd }) };
  const meter = createUsageMeter(budget);
  const options = { ...modelOptionsFromConfig(models, { meter }), cwd: context.cwd };
  const configured = models.models[0];
  const resolveFlag = (spec: string | undefined, flag: string): LanguageModelClient => {
    if (spec !== undefined) return resolveModel(spec, { ...options, field: flag });
    if (configured === undefined) throw new UsageError(`no model: pass ${flag} <spec> or configure models in lamarck.config.json`);
    return resolveParsedModel(configured, { ...options, field: 'models.0' });
  };
  const model = resolveFlag(flags.model, '--model');
  // With no configured model, --model is the only model named, so it is also the agent measured.
  const agent = flags.tries === 0 ? undefined : flags.agent === undefined && configured === undefined ? model : resolveFlag(flags.agent, '--agent');
  // An unpriced model counts as free, so a USD budget would silently never stop it.
  if (budget.maxUsd !== undefined) {
    for (const client of new Set([model, ...(agent === undefined ? [] : [agent])])) {
      if (findPricing(parseModelSpec(client.spec, 'model'), client.spec, models.prices) === undefined) {
        output.warn(`the price of ${client.spec} is unknown, so the USD budget cannot stop its calls; add it to "prices" in lamarck.config.json`);
      }
    }
  }

  const library = await openLibrary(context);
  let gaps: LibraryGap[] = [];
  let targets: CurriculumTarget[];
  if (fromGaps) {
    gaps = await findLibraryGaps(library, { maxGaps: flags.gaps });
    if (gaps.length === 0) {
      output.info('the library shows no gaps: no learn attempt still fails and every active skill has held-out coverage; nothing written');
      if (output.json) output.printJson({ out: null, gaps: [], generated: 0, kept: 0, tasks: [], dropped: [] });
      return 0;
    }
    targets = gaps.map(gapTarget);
  } else {
    targets = [domainTarget(domain!, flags.tag)];
  }
  // The run goes to the store, so `lamarck runs` and the dashboard list it beside learn and evolve.
  const run = await library.store.createRun({
    kind: 'curriculum',
    name: fromGaps ? 'from gaps' : domain!,
    config: { out, fromGaps, targets: targets.map((target) => target.id), count: flags.count, tries: flags.tries, model: model.spec, agent: agent?.spec ?? null },
  });
  let written: Curriculum;
  try {
    written = await writeCurriculumTasks();
  } catch (error) {
    await library.store.updateRun(run.id, { status: 'failed', summary: { error: error instanceof Error ? error.message : String(error), costUsd: meter.totals().costUsd } });
    throw error;
  }
  const totals = meter.totals();
  await library.store.updateRun(run.id, {
    status: written.stopped === undefined ? 'finished' : 'stopped',
    summary: {
      generated: written.generated,
      kept: written.kept.length,
      dropped: written.dropped.length,
      costUsd: totals.costUsd,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      calls: totals.calls,
      ...definedOnly({ message: written.stopped === undefined ? undefined : `stopped early: ${written.stopped}` }),
    },
  });
  const costUsd = totals.costUsd;
  if (output.json) {
    output.printJson({ out, run: run.id, gaps, ...summaryJson(written), costUsd });
    return 0;
  }
  report(output, out, gaps, written, costUsd);
  return 0;

  async function writeCurriculumTasks(): Promise<Curriculum> {
    let calibration: CurriculumCalibration | undefined;
    if (agent !== undefined) {
      const index = new LibraryIndex({ embedding: resolveConfiguredEmbeddingModel(models) });
      await index.sync(library);
      calibration = {
        actor: createAgentActor({ model: agent, meter, limits: { maxSteps: learnConfig.maxSteps } }),
        knowledge: (task) => new LibraryKnowledge({ index, task: task.prompt, tokenBudget: learnConfig.tokenBudget, maxItems: learnConfig.maxItems }),
        tries: flags.tries,
        low: flags.minSuccess,
        high: flags.maxSuccess,
        rounds: flags.rounds,
        cwd: context.cwd,
      };
    }
    const curriculum = await writeCurriculum({ model, targets, count: flags.count, calibration, meter, cwd: context.cwd });
    await writeFile(out, curriculum.kept.map((kept) => JSON.stringify(kept.task)).join('\n') + (curriculum.kept.length > 0 ? '\n' : ''), 'utf8');
    return curriculum;
  }
}

function summaryJson(written: Curriculum) {
  return {
    generated: written.generated,
    kept: written.kept.length,
    shareKept: written.generated === 0 ? null : written.kept.length / written.generated,
    batches: written.batches,
    tasks: written.kept.map((kept) => ({
      id: kept.task.id,
      target: kept.target,
      successRate: kept.measured === undefined ? null : kept.measured.passes / kept.measured.tries,
      passes: kept.measured?.passes ?? null,
      tries: kept.measured?.tries ?? null,
    })),
    dropped: written.dropped,
    calibration: written.calibration ?? null,
    stopped: written.stopped ?? null,
  };
}

function report(output: Output, out: string, gaps: readonly LibraryGap[], written: Curriculum, costUsd: number): void {
  for (const gap of gaps) {
    if (gap.type === 'failure-cluster') output.info(`gap ${gap.id}: ${gap.failed} of ${gap.attempted} "${gap.kind}" tasks still fail${gap.terms.length > 0 ? ` (${gap.terms.join(', ')})` : ''}`);
    else output.info(`gap ${gap.id}: skill ${gap.skill} without held-out coverage (${gap.reason})`);
  }
  for (const drop of written.dropped) output.info(`dropped task ${drop.index + 1} for ${drop.target} (${JSON.stringify(drop.prompt.slice(0, 60))}): ${drop.reason}`);
  for (const kept of written.kept) {
    const measured = kept.measured === undefined ? '' : `, the agent solved it ${kept.measured.passes} of ${kept.measured.tries} times`;
    output.info(`kept ${kept.task.id} for ${kept.target}${measured}`);
  }
  if (written.stopped !== undefined) output.warn(`stopped early: ${written.stopped}`);
  const calibration = written.calibration;
  const rate = calibration?.keptSuccessRate;
  const success = rate === undefined || rate === null ? '' : `; the agent's success on them ${rate.toFixed(2)} (target 0.5, band ${calibration!.low}-${calibration!.high})`;
  output.info(`${written.kept.length} of ${written.generated} tasks kept in ${written.batches} batches, written to ${out}${success}; cost $${costUsd.toFixed(6)}`);
}
