import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseMcpServersConfig } from '../../agent/mcp-tools.ts';
import { runAgent } from '../../agent/run-agent.ts';
import type { AgentEvent, AgentLimits } from '../../agent/types.ts';
import { UsageError } from '../../core/errors.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import { modelOptionsFromConfig, resolveModel } from '../../model/resolve-model.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';

/**
 * `lamarck run "<task>"`: one agent run with the configured (or given) model, recorded in the
 * store. Prints the answer, or with --json the result (ids, status, usage). Exit code 0 when the
 * agent answered, 1 when it stopped without an answer or failed.
 */
interface RunOptions {
  model?: string;
  workspace?: string;
  plan?: boolean;
  maxSteps?: number;
  maxUsd?: number;
  timeLimit?: number;
  grantNet?: string[];
  tools?: string[];
  resume?: string;
  readOnly?: boolean;
}

export function registerRunCommand(program: Command, context: CliContext): void {
  program
    .command('run')
    .description('run the agent on one task and print its answer')
    .argument('[task]', 'the task, in words (omit with --resume)')
    .option('-m, --model <spec>', 'model spec, e.g. openai:gpt-5-mini (default: the first configured model)')
    .option('-w, --workspace <dir>', 'directory the file tools may read and write')
    .option('--plan', 'write a short plan before acting')
    .option('--max-steps <n>', 'stop after this many model calls', positiveInteger)
    .option('--max-usd <amount>', 'stop once the run has cost this much', positiveNumber)
    .option('--time-limit <seconds>', 'stop after this much wall time', positiveNumber)
    .option('--grant-net <host>', 'allow sandboxed tools to reach this host (repeatable)', collect, [])
    .option('--tools <dir>', 'load synthesized tools from this directory (repeatable)', collect, [])
    .option('--read-only', 'do not offer write_file')
    .option('--resume <run-id>', 'continue a run that was interrupted or stopped on a budget')
    .action(async (task: string | undefined, options: RunOptions, command: Command) =>
      context.action(command, async (output) => {
        if ((task === undefined || task.trim() === '') && options.resume === undefined) throw new UsageError('give a task, or --resume <run-id>');
        const config = await context.config();
        const store = await context.store();
        const spec = options.model ?? config.models[0];
        if (spec === undefined) throw new UsageError('no model: pass --model <spec> or configure "models" in lamarck.config.json');
        const meter = createUsageMeter({ ...config.budget, ...(options.maxUsd === undefined ? {} : { maxUsd: options.maxUsd }) });
        const model = resolveModel(spec, { ...modelOptionsFromConfig(config, { meter }), cwd: context.cwd, field: options.model === undefined ? 'models.0' : '--model' });
        const limits: AgentLimits = {
          ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
          ...(options.maxUsd === undefined ? {} : { maxUsd: options.maxUsd }),
          ...(options.timeLimit === undefined ? {} : { maxTimeMs: options.timeLimit * 1000 }),
        };
        const run = runAgent({
          task: task ?? '',
          model,
          store,
          meter,
          limits,
          plan: options.plan === true,
          env: context.env,
          capabilities: { networkHosts: options.grantNet ?? [], writeFiles: options.readOnly !== true },
          mcpServers: parseMcpServersConfig(config.mcpServers),
          toolDirectories: (options.tools ?? []).map((directory) => resolve(context.cwd, directory)),
          ...(options.workspace === undefined ? {} : { workspace: resolve(context.cwd, options.workspace) }),
          ...(options.resume === undefined ? {} : { resume: options.resume }),
          onEvent: (event) => reportProgress(output, event),
        });
        const result = await run.result;
        output.endProgress();
        if (output.json) output.printJson(result);
        else if (result.answer !== null) output.info(result.answer);
        else output.warn(`no answer: ${result.stopReason}${result.error === undefined ? '' : ` (${result.error.message})`}; resume with --resume ${result.runId}`);
        if (!output.json && output.verbose) output.info(`run ${result.runId}, trajectory ${result.trajectoryId}: ${result.steps} steps, $${result.usage.costUsd.toFixed(4)}`);
        return result.status === 'answered' ? 0 : 1;
      }),
    );
}

function reportProgress(output: Output, event: AgentEvent): void {
  if (event.type === 'model-called') output.progress(`step ${event.step}: ${event.toolCalls > 0 ? `${event.toolCalls} tool call(s)` : 'answering'}`);
  else if (event.type === 'tool-called') output.progress(`step ${event.step}: ${event.name}`);
  else if (event.type === 'server-failed') output.warn(`MCP server ${event.server} failed: ${event.message}`);
  else if (event.type === 'guardrail-blocked') output.progress(`blocked ${event.name}: ${event.reason}`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number');
  return number;
}
