import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { closeQuickJsPool } from '../sandbox/quickjs-sandbox.ts';
import { createCliContext } from './context.ts';
import { registerCommands } from './commands.ts';
import { formatError, type OutputStreams } from './output.ts';

/** Runs the `lamarck` command line and returns the exit code (the process is never exited here). */
export async function main(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; streams?: OutputStreams } = {},
): Promise<number> {
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const context = createCliContext({ cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, streams });
  const program = new Command('lamarck')
    .description('Self-evolving LLM agents: evolve programs, learn skills from experience.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print machine-readable JSON instead of text')
    .option('--verbose', 'print stack traces and debugging detail on errors')
    .option('--store <url>', 'the store: sqlite:<path> (default .lamarck/lamarck.db) or postgres://user@host/database (or LAMARCK_STORE)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .showHelpAfterError('(run lamarck --help for the list of commands)');
  registerCommands(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return error.exitCode;
    }
    streams.stderr.write(`${formatError(error, argv.includes('--verbose'))}\n`);
    return 1;
  } finally {
    await context.close();
    // Idle sandbox workers never hold the process, but a command ends with none left running.
    await closeQuickJsPool();
  }
  return context.exitCode;
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
