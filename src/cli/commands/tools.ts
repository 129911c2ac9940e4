import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import { loadTool } from '../../sandbox/tool-manifest.ts';
import { runTool } from '../../sandbox/run-tool.ts';
import type { CliContext } from '../context.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/**
 * `lamarck tools run <tool-dir> --input '<json>' [--grant-network hosts] [--grant-files dir [--grant-write]]`
 * runs a synthesized tool once in the QuickJS
 * sandbox and prints the result (or the error) as JSON; the exit code is 1 when the call failed,
 * including input that does not match the tool's schema. `lamarck tools check` validates a tool.
 */
export function registerToolsCommand(program: Command, context: CliContext): void {
  const tools = program.command('tools').description('run and check synthesized tools in the QuickJS sandbox');

  tools
    .command('run')
    .description('run a tool directory (tool.json + index.js) once and print the result as JSON')
    .argument('<tool-dir>', 'directory with tool.json and index.js')
    .option('--input <json>', 'the tool input as JSON', '{}')
    .option('--grant-network <hosts>', 'comma-separated hosts the tool may reach (only those it also declares)', parseList)
    .option('--grant-files <dir>', 'a directory the tool may read (only if it declares files: ["read"])')
    .option('--grant-write', 'also let the tool write inside --grant-files (only if it declares files: ["write"])')
    .option('--timeout <ms>', 'time limit in milliseconds (default 2000)', parsePositiveInteger)
    .option('--memory-limit <mb>', 'memory limit in MiB (default 32)', parsePositiveInteger)
    .action(
      async (
        toolDirectory: string,
        options: { input: string; grantNetwork?: string[]; grantFiles?: string; grantWrite?: boolean; timeout?: number; memoryLimit?: number },
        command: Command,
      ) =>
        context.action(command, async (output) => {
          let input: unknown;
          try {
            input = JSON.parse(options.input);
          } catch (error) {
            throw new UsageError(`--input is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
          }
          // Paths the command was given are checked first: a missing one is a one-line error, not a
          // tool result (the tool never ran).
          const directory = resolve(context.cwd, toolDirectory);
          await requirePath(directory, 'directory', 'tool folder');
          const grantedRoot = options.grantFiles === undefined ? undefined : resolve(context.cwd, options.grantFiles);
          if (grantedRoot !== undefined) await requirePath(grantedRoot, 'directory', '--grant-files folder');
          const result = await runTool(directory, input, {
            granted: {
              network: options.grantNetwork ?? [],
              ...definedOnly({ files: mapDefined(grantedRoot, (root) => ({ root, write: options.grantWrite === true })) }),
            },
            ...definedOnly({ timeoutMs: options.timeout, memoryLimitBytes: mapDefined(options.memoryLimit, (megabytes) => megabytes * 1024 * 1024) }),
          });
          output.printJson(result);
          return result.ok ? 0 : 1;
        }),
    );

  tools
    .command('check')
    .description('validate a tool directory and print its manifest')
    .argument('<tool-dir>', 'directory with tool.json and index.js')
    .action(async (toolDirectory: string, _options: unknown, command: Command) =>
      context.action(command, async (output) => {
        const tool = await loadTool(resolve(context.cwd, toolDirectory));
        if (output.json) {
          output.printJson(tool.manifest);
          return;
        }
        const network = tool.manifest.capabilities.network;
        output.info(`${tool.manifest.name}: ${tool.manifest.description}`);
        output.info(`network: ${network.length === 0 ? 'none' : network.join(', ')}`);
      }),
    );
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return parsed;
}
