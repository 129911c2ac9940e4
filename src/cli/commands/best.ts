import type { Command } from 'commander';
import { NotFoundError } from '../../core/errors.ts';
import type { ProgramRecord, ProgramSummary, Store } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { failureLines } from '../failure-text.ts';

/** `lamarck best <run>`: the best program of an evolution run, with its code on `--code`. */
export function registerBestCommand(program: Command, context: CliContext): void {
  program
    .command('best')
    .description('show the best program of an evolution run')
    .argument('<run>', 'evolve run id')
    .option('--code', 'print the program files')
    .action(async (runId: string, options: { code?: boolean }, command: Command) =>
      context.action(command, async (output) => {
        const store = await context.existingStore();
        const best = await findBest(store, runId);
        // A run that scored nothing shows its initial program and why it failed; the command fails too.
        const exitCode = best.status === 'evaluated' ? 0 : 1;
        if (output.json) {
          const { prompt: _prompt, reply: _reply, fingerprint: _fingerprint, ...rest } = best;
          output.printJson(options.code === true ? rest : { ...rest, files: Object.keys(best.files) });
          return exitCode;
        }
        // With --code, stdout carries the code alone (`best <run> --code > x.py` must run); what
        // describes it goes to stderr.
        const describe = (text: string): void => (options.code === true ? output.note(text) : output.info(text));
        const score = best.failure === null ? `score ${best.score}` : `failed: ${best.failure.kind}`;
        describe(`program ${best.id}  ${score}  generation ${best.generation}  operator ${best.operator}${best.model === null ? '' : ` (${best.model})`}`);
        if (best.failure !== null) {
          describe(`no program of run ${runId} was scored; the initial program failed:`);
          for (const line of failureLines(best.failure, '  ')) describe(line);
        }
        const metrics = Object.entries(best.metrics).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join('  ');
        if (metrics.length > 0) describe(`metrics: ${metrics}`);
        if (options.code !== true) return exitCode;
        const paths = Object.keys(best.files).sort();
        for (const path of paths) {
          // Several files cannot be one runnable stream: each is headed by its path.
          if (paths.length > 1) output.info(`--- ${path}`);
          output.info(best.files[path]!.replace(/\n$/, ''));
        }
        return exitCode;
      }),
    );
}

/**
 * The summary of an ended run names its best program. A run still running, or killed, may have
 * a summary from before it was resumed, so its program summaries are scanned instead (no code read).
 * A run in which nothing was scored gives its initial program, failed, whose failure says why.
 */
export async function findBest(store: Store, runId: string): Promise<ProgramRecord> {
  const run = await store.getRun(runId);
  if (run === undefined) throw new NotFoundError('run', runId);
  const named = run.summary['bestProgramId'];
  if (typeof named === 'string' && run.status !== 'running') {
    const program = await store.getProgram(named);
    if (program !== undefined) return program;
  }
  let best: ProgramSummary | undefined;
  let after = 0;
  for (;;) {
    const page = await store.listProgramSummaries(runId, { afterSequence: after, limit: 2000 });
    for (const program of page) {
      after = program.sequence ?? after;
      if (program.status === 'evaluated' && program.score !== null && (best === undefined || program.score > best.score!)) best = program;
    }
    if (page.length < 2000) break;
  }
  const program = best === undefined ? undefined : await store.getProgram(best.id);
  if (program !== undefined) return program;
  const [first] = await store.listProgramSummaries(runId, { limit: 1 });
  const initial = first === undefined ? undefined : await store.getProgram(first.id);
  if (initial === undefined || initial.failure === null) throw new NotFoundError('evaluated program in run', runId);
  return initial;
}
