import type { Command } from 'commander';
import { requirePath } from '../../core/require-path.ts';
import { copyStore, type CopiedFamily, type CopyReport } from '../../store/copy-store.ts';
import { openStoreTarget } from '../../store/open-store.ts';
import { resolveStoreTarget } from '../../store/store-url.ts';
import type { Store } from '../../store/types.ts';
import type { CliContext } from '../context.ts';

/**
 * `lamarck store copy <from-url> <to-url>`: everything in one store into another (SQLite to
 * PostgreSQL, back, or between two databases), keeping ids; run again, it writes nothing twice.
 */
export function registerStoreCommand(program: Command, context: CliContext): void {
  const store = program.command('store').description('work with whole stores: copy one into another');
  store
    .command('copy')
    .description('copy runs, programs, events, trajectories, the library (every version) and state from one store to another')
    .argument('<from-url>', 'the source: sqlite:<path>, a SQLite path, or postgres://...')
    .argument('<to-url>', 'the destination (created and migrated if needed)')
    .option('--batch-size <n>', 'records per write', (value: string) => Number(value), 500)
    .action(async (fromUrl: string, toUrl: string, options: { batchSize: number }, command: Command) =>
      context.action(command, async (output) => {
        const fromTarget = resolveStoreTarget(fromUrl, context.cwd);
        const toTarget = resolveStoreTarget(toUrl, context.cwd);
        // Opening a SQLite path creates it; a copy from a mistyped source would then "succeed" with
        // nothing copied and leave an empty store behind.
        if (fromTarget.kind === 'sqlite' && fromTarget.path !== ':memory:') await requirePath(fromTarget.path, 'file', 'source store');
        const opened: Store[] = [];
        try {
          const from = await openStoreTarget(fromTarget);
          opened.push(from);
          const to = await openStoreTarget(toTarget);
          opened.push(to);
          const report = await copyStore(from, to, {
            batchSize: Number.isInteger(options.batchSize) && options.batchSize > 0 ? options.batchSize : 500,
            onProgress: (progress) => output.progress(`copying ${progress.family}: ${progress.done}/${progress.total}`),
          });
          output.endProgress();
          if (output.json) {
            output.printJson({ from: fromTarget.display, to: toTarget.display, ...report });
            return;
          }
          output.info(`copied ${fromTarget.display} -> ${toTarget.display} in ${(report.elapsedMs / 1000).toFixed(1)} s; counts verified`);
          for (const line of describeCounts(report)) output.info(line);
        } finally {
          for (const each of opened) await each.close();
        }
      }),
    );
}

const familyNames: Record<CopiedFamily, string> = {
  runs: 'runs',
  programs: 'programs',
  events: 'events',
  trajectories: 'trajectories',
  trajectorySteps: 'trajectory steps',
  artifacts: 'library artifacts',
  versions: 'library versions',
  state: 'state documents',
};

function describeCounts(report: CopyReport): string[] {
  return (Object.keys(familyNames) as CopiedFamily[]).map(
    (family) => `  ${familyNames[family].padEnd(18)} ${String(report.source[family]).padStart(8)} in the source, ${report.written[family]} new in the destination`,
  );
}
