import type { Command } from 'commander';
import type { RunKind } from '../../store/types.ts';
import type { CliContext } from '../context.ts';

/** `lamarck runs`: the recorded runs, newest first, with their status and best score. */
export function registerRunsCommand(program: Command, context: CliContext): void {
  program
    .command('runs')
    .description('list recorded runs (evolve, learn, agent) with status and best score')
    .option('--kind <kind>', 'only runs of this kind: evolve, learn or agent')
    .option('--limit <n>', 'at most this many runs', (value: string) => Number(value), 50)
    .action(async (options: { kind?: RunKind; limit: number }, command: Command) =>
      context.action(command, async (output) => {
        const store = await context.store();
        const runs = await store.listRuns({ ...(options.kind === undefined ? {} : { kind: options.kind }), limit: options.limit });
        if (output.json) {
          output.printJson(runs.map((run) => ({ id: run.id, kind: run.kind, name: run.name, status: run.status, createdAt: run.createdAt, updatedAt: run.updatedAt, summary: run.summary })));
          return;
        }
        if (runs.length === 0) {
          output.info('no runs recorded yet');
          return;
        }
        for (const run of runs) {
          const best = typeof run.summary['bestScore'] === 'number' ? `best ${run.summary['bestScore']}` : '';
          const iterations = typeof run.summary['iterations'] === 'number' ? `${run.summary['iterations']} iterations` : '';
          const when = new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 19);
          output.info([run.id, run.kind.padEnd(6), run.status.padEnd(8), when, run.name, best, iterations].filter((part) => part !== '').join('  '));
        }
      }),
    );
}
