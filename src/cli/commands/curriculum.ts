import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import { writeCurriculum } from '../../learn/curriculum.ts';
import { modelConfig } from '../../model/model-config.ts';
import { modelOptionsFromConfig, resolveModel, resolveParsedModel } from '../../model/resolve-model.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import type { CliContext } from '../context.ts';

/**
 * `lamarck curriculum "<domain>" --out tasks.jsonl`: the model writes tasks for the domain with
 * verifiers; a task whose verifier does not pass its reference solution and fail a wrong one is
 * dropped, as is a near-duplicate, each with its reason. The file written is a task stream for
 * `lamarck learn`, every task tagged with the domain tag and `self-generated`.
 */
interface CurriculumFlags {
  out: string;
  tag: string;
  count: string;
  model?: string;
}

export function registerCurriculumCommand(program: Command, context: CliContext): void {
  program
    .command('curriculum <domain>')
    .description('write tasks with checked verifiers for a domain, as a task stream for lamarck learn')
    .requiredOption('--out <file>', 'the task file (JSONL) to write')
    .option('--tag <tag>', 'the tag naming the domain, which learn treats as the tasks\' kind', 'generated')
    .option('--count <n>', 'how many tasks to ask the model for', '10')
    .option('--model <spec>', 'the model that writes the tasks (default: the first configured model)')
    .action(async (domain: string, flags: CurriculumFlags, command: Command) =>
      context.action(command, async (output) => {
        const count = Number(flags.count);
        if (!Number.isInteger(count) || count < 1 || count > 200) throw new UsageError(`--count expects a whole number from 1 to 200, got "${flags.count}"`);
        if (domain.trim() === '') throw new UsageError('give the domain to write tasks for, in words');
        const out = resolve(context.cwd, flags.out);
        await requirePath(dirname(out), 'directory', '--out folder');
        const config = await context.config();
        const models = modelConfig(config);
        const meter = createUsageMeter(config.budget);
        const options = { ...modelOptionsFromConfig(models, { meter }), cwd: context.cwd };
        const configured = models.models[0];
        if (flags.model === undefined && configured === undefined) throw new UsageError('no model: pass --model <spec> or configure models in lamarck.config.json');
        const model = flags.model === undefined ? resolveParsedModel(configured!, { ...options, field: 'models.0' }) : resolveModel(flags.model, { ...options, field: '--model' });
        const curriculum = await writeCurriculum({ model, domain, count, tag: flags.tag, meter, cwd: context.cwd });
        await writeFile(out, curriculum.kept.map((task) => JSON.stringify(task)).join('\n') + (curriculum.kept.length > 0 ? '\n' : ''), 'utf8');
        if (output.json) {
          output.printJson({ out, generated: curriculum.generated, kept: curriculum.kept.length, dropped: curriculum.dropped });
          return 0;
        }
        for (const drop of curriculum.dropped) output.info(`dropped task ${drop.index + 1} (${JSON.stringify(drop.prompt.slice(0, 60))}): ${drop.reason}`);
        output.info(`${curriculum.kept.length} of ${curriculum.generated} tasks kept, written to ${out}`);
        return 0;
      }),
    );
}
