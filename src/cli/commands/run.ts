import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseAgentConfig } from '../../agent/agent-config.ts';
import { parseMcpServersConfig } from '../../agent/mcp-tools.ts';
import { runAgentWithEscalation, type EscalatedAgentResult, type RunCascadeCost } from '../../agent/run-with-escalation.ts';
import type { AgentEvent, AgentLimits, AgentResult } from '../../agent/types.ts';
import type { LamarckConfig } from '../../core/config.ts';
import { definedOnly } from '../../core/defined-only.ts';
import { UsageError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import { LibraryKnowledge } from '../../learn/library-knowledge.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import { configuredRerank } from '../../library/retrieval/retrieval-config.ts';
import { resolveConfiguredEmbeddingModel } from '../../model/resolve-model.ts';
import { createUsageMeter } from '../../model/usage-meter.ts';
import type { UsageMeter } from '../../model/types.ts';
import { findPricing } from '../../model/pricing.ts';
import { configuredApiKeys, modelConfig } from '../../model/model-config.ts';
import type { ModelConfig } from '../../model/model-settings.ts';
import { modelOptionsFromConfig, resolveParsedModel } from '../../model/resolve-model.ts';
import { formatModelSpec, parseModelSpec } from '../../model/spec.ts';
import type { CliContext } from '../context.ts';
import { openLibrary } from './library.ts';
import type { Output } from '../output.ts';
import { collect, positiveInteger, positiveNumber } from '../option-parsers.ts';

/**
 * `lamarck run "<task>"`: one agent run with the configured (or given) model, recorded in the
 * store. Prints the answer, or with --json the result (ids, status, usage). Exit code 0 when the
 * agent answered, 1 when it stopped without an answer or failed.
 */
interface RunOptions {
  model?: string;
  escalate?: string;
  workspace?: string;
  plan?: boolean;
  maxSteps?: number;
  maxUsd?: number;
  timeLimit?: number;
  grantNet?: string[];
  tools?: string[];
  resume?: string;
  readOnly?: boolean;
  library?: boolean;
  systemPrompt?: string;
}

export function registerRunCommand(program: Command, context: CliContext): void {
  program
    .command('run')
    .description('run the agent on one task and print its answer')
    .argument('[task]', 'the task, in words (omit with --resume)')
    .option('-m, --model <spec>', 'model spec, e.g. openai:gpt-5-mini (default: the first configured model)')
    .option('--escalate <spec>', 'the strong model of a cascade: it runs the task afresh when the first model refuses or fails (default: escalate in the model config)')
    .option('-w, --workspace <dir>', 'directory the file tools may read and write')
    .option('--plan', 'write a short plan before acting')
    .option('--max-steps <n>', 'stop after this many model calls', positiveInteger)
    .option('--max-usd <amount>', 'stop once the run has cost this much', positiveNumber)
    .option('--time-limit <seconds>', 'stop after this much wall time', positiveNumber)
    .option('--grant-net <host>', 'allow sandboxed tools to reach this host (repeatable)', collect, [])
    .option('--tools <dir>', 'load synthesized tools from this directory (repeatable)', collect, [])
    .option('--read-only', 'do not offer write_file')
    .option('--no-library', 'run without the learned skills, lessons, guardrails and tools')
    .option('--system-prompt <name>', "add the library prompt <name> (its head version) to the agent's instructions, e.g. the one an agent problem's gate committed")
    .option('--resume <run-id>', 'continue a run that was interrupted or stopped on a budget')
    .action(async (task: string | undefined, options: RunOptions, command: Command) =>
      context.action(command, async (output) => {
        if ((task === undefined || task.trim() === '') && options.resume === undefined) throw new UsageError('give a task, or --resume <run-id>');
        // Folders named on the command line must exist before the run starts: a run without its
        // workspace or its tools would spend model calls and then fail for a reason not its own.
        const workspace = options.workspace === undefined ? undefined : resolve(context.cwd, options.workspace);
        if (workspace !== undefined) await requirePath(workspace, 'directory', '--workspace folder');
        const toolDirectories = (options.tools ?? []).map((directory) => resolve(context.cwd, directory));
        for (const directory of toolDirectories) await requirePath(directory, 'directory', '--tools folder');
        const config = await context.config();
        const store = await context.store();
        const models = modelConfig(config);
        const field = options.model === undefined ? 'models.0' : '--model';
        const spec = options.model === undefined ? models.models[0] : parseModelSpec(options.model, field);
        if (spec === undefined) throw new UsageError('no model: pass --model <spec> or configure "models" in lamarck.config.json');
        const budget = { ...config.budget, ...definedOnly({ maxUsd: options.maxUsd }) };
        const meter = createUsageMeter(budget);
        const model = resolveParsedModel(spec, { ...modelOptionsFromConfig(models, { meter }), cwd: context.cwd, field });
        const strongSpec = options.escalate === undefined ? models.escalate : parseModelSpec(options.escalate, '--escalate');
        const strong = strongSpec === undefined ? undefined : resolveParsedModel(strongSpec, { ...modelOptionsFromConfig(models, { meter }), cwd: context.cwd, field: options.escalate === undefined ? 'escalate' : '--escalate' });
        // An unpriced model counts as free, so a USD budget would silently never stop it.
        if (budget.maxUsd !== undefined && findPricing(spec, formatModelSpec(spec), models.prices) === undefined) {
          output.warn(`the price of ${model.spec} is unknown, so the USD budget cannot stop this run; add it to "prices" in lamarck.config.json`);
        }
        const agentConfig = parseAgentConfig(config.agent, config.source);
        const maxSteps = options.maxSteps ?? agentConfig.maxSteps;
        const maxTimeSeconds = options.timeLimit ?? agentConfig.maxTimeSeconds;
        const limits: AgentLimits = definedOnly({ maxSteps, maxUsd: options.maxUsd, maxTimeMs: maxTimeSeconds === undefined ? undefined : maxTimeSeconds * 1000 });
        const instructions = options.systemPrompt === undefined ? undefined : await libraryPromptText(context, options.systemPrompt);
        const knowledge = options.library === false ? undefined : await libraryKnowledge(context, config, task ?? '', { output, meter });
        const run = runAgentWithEscalation({
          task: task ?? '',
          ...definedOnly({ knowledge }),
          model,
          store,
          meter,
          limits,
          plan: options.plan ?? agentConfig.plan ?? false,
          env: { ...context.env, ...configuredSecrets(models) },
          capabilities: { networkHosts: options.grantNet ?? [], writeFiles: options.readOnly !== true },
          mcpServers: parseMcpServersConfig(config.mcpServers),
          toolDirectories,
          ...definedOnly({ workspace, resume: options.resume, instructions }),
          onEvent: (event) => reportProgress(output, event),
        }, strong, strongSpec === undefined ? undefined : findPricing(strongSpec, formatModelSpec(strongSpec), models.prices));
        // Ctrl-C ends the run cleanly (state saved, MCP servers closed, run marked stopped), so it
        // can be resumed; a second Ctrl-C, with the handler gone, ends the process as usual.
        const interrupt = (): void => run.stop('interrupted');
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        let result: EscalatedAgentResult;
        try {
          result = await run.result;
        } finally {
          process.removeListener('SIGINT', interrupt);
          process.removeListener('SIGTERM', interrupt);
        }
        output.endProgress();
        if (!output.json && result.escalation !== undefined) output.info(`${result.escalation.from} refused (run ${result.escalation.firstRunId}, $${result.escalation.firstCostUsd.toFixed(4)}); ${result.escalation.to} ran the task`);
        if (!output.json && result.cascade !== undefined) output.note(cascadeLine(result.cascade));
        if (output.json) output.printJson(result);
        else if (result.answer !== null) output.info(result.answer);
        else output.warn(`no answer: ${describeStop(result)}; resume with --resume ${result.runId}`);
        if (!output.json && output.verbose) output.info(`run ${result.runId}, trajectory ${result.trajectoryId}: ${result.steps} steps, $${result.usage.costUsd.toFixed(4)}`);
        if (result.stopReason === 'aborted') return 130;
        return result.status === 'answered' ? 0 : 1;
      }),
    );
}

/**
 * The text of a library prompt's head version. Prompts are never injected by themselves; this is
 * how a system prompt evolved on an agent problem and committed by its gate reaches a run, and a
 * rollback of the prompt changes what later runs are told.
 */
async function libraryPromptText(context: CliContext, name: string): Promise<string> {
  const entry = await (await openLibrary(context)).get('prompt', name);
  if (entry === undefined) throw new UsageError(`--system-prompt: the library has no prompt named ${name} (lamarck library prompts ls lists them)`);
  if (entry.status === 'retired') throw new UsageError(`--system-prompt: the prompt ${name} is retired`);
  return entry.content.text;
}

/**
 * What the learned library offers this task: retrieved skills and lessons within the token budget
 * set for learning, every active guardrail, and the library's tools. An empty library offers nothing.
 */
async function libraryKnowledge(context: CliContext, config: LamarckConfig, task: string, run: { output: Output; meter: UsageMeter }): Promise<LibraryKnowledge> {
  const learnConfig = parseLearnConfig(config.learn, config.source);
  const embedding = resolveConfiguredEmbeddingModel(config);
  // The re-rank's model calls count against the run's budget like the agent's own.
  const rerank = configuredRerank(config, { cwd: context.cwd, meter: run.meter, onKeptLexicalOrder: (reason) => run.output.warn(`retrieval kept the lexical order: ${reason}`) });
  const index = new LibraryIndex({ embedding, rerank });
  await index.sync(await openLibrary(context));
  return new LibraryKnowledge({ index, task, tokenBudget: learnConfig.tokenBudget, maxItems: learnConfig.maxItems });
}

function reportProgress(output: Output, event: AgentEvent): void {
  if (event.type === 'model-called') output.progress(`step ${event.step}: ${event.toolCalls > 0 ? `${event.toolCalls} tool call(s)` : 'answering'}`);
  else if (event.type === 'tool-called') output.progress(`step ${event.step}: ${event.name}`);
  else if (event.type === 'server-failed') output.warn(`MCP server ${event.server} failed: ${event.message}`);
  else if (event.type === 'guardrail-blocked') output.progress(`blocked ${event.name}: ${event.reason}`);
}

/**
 * API keys written in lamarck.config.json rather than the environment, under names the redactor
 * treats as secret, so a key a tool or an error echoes back is redacted like an environment key.
 */
function configuredSecrets(models: ModelConfig): Record<string, string> {
  return Object.fromEntries(configuredApiKeys(models).map((key, index) => [`LAMARCK_CONFIG_SECRET_${index}`, key]));
}

/** The cascade's cost against always-strong, as learn reports it; on stderr, so stdout stays the answer. */
function cascadeLine(cascade: RunCascadeCost): string {
  const used = cascade.used === 'cheap' ? 'the first model answered' : 'the first model refused and the strong one ran';
  const saved =
    cascade.savedEstimateUsd === undefined
      ? 'the strong model\'s price is unknown, so no always-strong estimate'
      : `always-strong would have cost about $${cascade.alwaysStrongEstimateUsd!.toFixed(4)}, saved about $${cascade.savedEstimateUsd.toFixed(4)}${cascade.used === 'cheap' ? ' (the same tokens at the strong model\'s price)' : ''}`;
  return `cascade: ${used}; cost $${cascade.costUsd.toFixed(4)}; ${saved}`;
}

/** Why a run ended without an answer, in words, with what it had spent by then. */
function describeStop(result: AgentResult): string {
  const spent = `${result.steps} steps, ${result.usage.inputTokens + result.usage.outputTokens} tokens, $${result.usage.costUsd.toFixed(4)}`;
  switch (result.stopReason) {
    case 'budget':
      return `${result.error?.message ?? 'the budget was reached'} after ${spent}`;
    case 'step-limit':
      return `step-limit: the step limit was reached after ${spent}`;
    case 'time-limit':
      return `the time limit was reached after ${spent}`;
    case 'aborted':
      return `the run was aborted after ${spent}`;
    default:
      return `${result.stopReason}${result.error === undefined ? '' : ` (${result.error.message})`}`;
  }
}
