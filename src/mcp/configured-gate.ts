import { resolve } from 'node:path';
import type { LamarckConfig } from '../core/config.ts';
import type { LearnConfig } from '../learn/learn-config.ts';
import { readTaskStream, type Task } from '../learn/task-stream.ts';
import type { Library } from '../library/library.ts';
import { LibraryIndex } from '../library/retrieval/library-index.ts';
import { modelConfig } from '../model/model-config.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveParsedModel } from '../model/resolve-model.ts';
import { createUsageMeter } from '../model/usage-meter.ts';
import { ProposalGate } from './proposal-gate.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The gate `lamarck mcp` decides proposals with, from the same settings `lamarck learn` reads:
 * `learn.gate` (rule, holdout size, the safety probes file), the first configured model (which
 * attempts held-out tasks and probes, and judges those without a verifier), and the budget. The
 * held-out tasks come from `--holdout <tasks.jsonl>`: its `holdout` split when it has one, else all
 * of its tasks, sampled to `learn.gate.holdoutSize` with `learn.seed`. Task files are checked whole
 * before the server starts, as `lamarck learn` checks them.
 */
export interface ConfiguredGateOptions {
  config: LamarckConfig;
  learnConfig: LearnConfig;
  library: Library;
  cwd: string;
  holdoutPath?: string;
}

export async function createConfiguredProposalGate(options: ConfiguredGateOptions): Promise<ProposalGate> {
  const { config, learnConfig, library, cwd } = options;
  const heldOut = options.holdoutPath === undefined ? [] : holdoutOf(await readTaskStream(resolve(cwd, options.holdoutPath)));
  const probes = learnConfig.gate.probes === undefined ? [] : await readTaskStream(resolve(cwd, learnConfig.gate.probes));
  const models = modelConfig(config);
  const spec = models.models[0];
  const model = spec === undefined ? undefined : resolveParsedModel(spec, { ...modelOptionsFromConfig(models), field: 'models.0' });
  const embedding = resolveConfiguredEmbeddingModel(models);
  const sources = [
    ...(heldOut.length === 0 ? [] : [`held-out tasks from ${options.holdoutPath}`]),
    ...(probes.length === 0 ? [] : [`the safety probes in ${learnConfig.gate.probes} (learn.gate.probes)`]),
  ].join(' and ');
  return new ProposalGate({
    library,
    index: new LibraryIndex(embedding === undefined ? {} : { embedding }),
    config: learnConfig,
    ...definedOnly({ model }),
    heldOut,
    probes,
    meter: createUsageMeter(config.budget),
    cwd,
    describeSources: sources,
  });
}

function holdoutOf(tasks: readonly Task[]): Task[] {
  const split = tasks.filter((task) => task.split === 'holdout');
  return split.length > 0 ? split : [...tasks];
}
