import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { listLocalModels, type LocalModelFile } from '../../model/local/list-models.ts';
import { modelAliases, modelsDirectoryName, pullModel } from '../../model/local/pull-model.ts';
import type { CliContext } from '../context.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * `lamarck model pull <alias-or-uri>` downloads a GGUF model for the embedded `local:` provider;
 * `lamarck model ls` lists the GGUF files already in `.lamarck/models/`.
 */
export function registerModelCommand(program: Command, context: CliContext): void {
  const model = program.command('model').description('download and list local GGUF models for the local: provider');

  const aliasHelp = Object.entries(modelAliases)
    .map(([alias, { uri, description }]) => `  ${alias.padEnd(20)} ${description}\n  ${''.padEnd(20)} ${uri}`)
    .join('\n');
  model
    .command('pull')
    .description(`download a GGUF model into ${modelsDirectoryName}/`)
    .argument('<source>', 'an alias (below), an hf:<user>/<repo>:<quant> URI, or an https:// URL of a .gguf file')
    .option('--dir <path>', `directory to download into (default ${modelsDirectoryName})`)
    .option('--probe-timeout <ms>', 'how long to wait for the network before giving up', parsePositiveInteger)
    .addHelpText('after', `\nAliases:\n${aliasHelp}`)
    .action(async (source: string, options: { dir?: string; probeTimeout?: number }, command: Command) =>
      context.action(command, async (output) => {
        const result = await pullModel({
          source,
          cwd: context.cwd,
          env: context.env,
          ...definedOnly({ directory: options.dir, probeTimeoutMs: options.probeTimeout }),
          onProgress: ({ downloadedBytes, totalBytes }) =>
            output.progress(`downloading ${source}: ${formatBytes(downloadedBytes)} of ${formatBytes(totalBytes)}`),
        });
        output.endProgress();
        if (output.json) {
          output.printJson(result);
          return;
        }
        output.info(`${result.fileName}: ${formatBytes(result.bytes)}, ${result.architecture ?? 'unknown architecture'}`);
        output.info(`use it with the model spec ${result.spec}`);
      }),
    );

  model
    .command('ls')
    .description(`list the GGUF model files in ${modelsDirectoryName}/ with size and architecture`)
    .option('--dir <path>', `directory to list (default ${modelsDirectoryName})`)
    .action(async (options: { dir?: string }, command: Command) =>
      context.action(command, async (output) => {
        const directory = resolveDirectory(context.cwd, options.dir);
        const files = await listLocalModels(directory);
        if (output.json) {
          output.printJson(files);
          return;
        }
        if (files.length === 0) {
          output.info(`no .gguf files in ${directory} (run \`lamarck model pull <alias>\` or copy one there)`);
          return;
        }
        for (const file of files) output.info(formatFile(file));
      }),
    );
}

function resolveDirectory(cwd: string, directory: string | undefined): string {
  return resolve(cwd, directory ?? modelsDirectoryName);
}

function formatFile(file: LocalModelFile): string {
  const size = formatBytes(file.bytes).padStart(9);
  if (file.error !== undefined) return `${file.fileName}  ${size}  unreadable: ${file.error}`;
  const context = file.contextLength === undefined ? '' : `  context ${file.contextLength}`;
  const name = file.name === undefined ? '' : `  "${file.name}"`;
  return `${file.fileName}  ${size}  ${file.architecture ?? 'unknown'}${context}${name}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive integer');
  return number;
}
