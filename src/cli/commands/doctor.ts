import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { LamarckConfig } from '../../core/config.ts';
import { isLamarckError } from '../../core/errors.ts';
import { formatModelSpec } from '../../model/spec.ts';
import { modelConfig } from '../../model/model-config.ts';
import type { ModelConfig } from '../../model/model-settings.ts';
import { modelOptionsFromConfig, resolveParsedEmbeddingModel, resolveParsedModel } from '../../model/resolve-model.ts';
import type { ModelSpec } from '../../model/types.ts';
import { defaultEvaluationQueue } from '../../evolve/distributed/evaluation-job.ts';
import { openJobQueue } from '../../queue/open-job-queue.ts';
import type { JobQueue } from '../../queue/types.ts';
import { latestPostgresSchemaVersion } from '../../store/postgres/migrations.ts';
import { latestSchemaVersion } from '../../store/sqlite/migrations.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * `lamarck doctor`: what works here and what is missing (Node, configuration, the store and its
 * migrations, the job queue beside it, models). It exits 0 whenever Lamarck can run at
 * all (model-free work needs only Node, a valid configuration and the store); unreachable models
 * are reported plainly, not treated as fatal.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** A fatal check stops Lamarck from running at all. */
  fatal?: boolean;
}

export interface DoctorReport {
  canRun: boolean;
  modelsAnswering: number;
  checks: DoctorCheck[];
  /** The evaluation queue beside the store (`evolve --workers external`), when the store has one. */
  queue?: QueueReport;
}

export interface QueueReport {
  /** `sqlite` (the job table in the store's file) or `pg-boss`. */
  backend: string;
  location: string;
  queue: string;
  queued: number;
  running: number;
  deadLetters: number;
  completed: number;
  /** How long the oldest queued job has waited; null when none is queued. */
  oldestQueuedAgeMs: number | null;
}

const minimumNode = [22, 13] as const;
const localModelsDirectory = path.join('.lamarck', 'models');

export function registerDoctorCommand(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description('check Node, configuration, store and models, and say what is missing')
    .option('--timeout <ms>', 'how long each model may take to answer the probe', parsePositiveInteger, 15_000)
    .option('--no-probe', 'list configured models without calling them')
    .action(async (options: { timeout: number; probe: boolean }, command: Command) =>
      context.action(command, async (output) => {
        const report = await runDoctor(context, { timeoutMs: options.timeout, probe: options.probe });
        if (output.json) output.printJson(report);
        else printReport(output, report);
        return report.canRun ? 0 : 1;
      }),
    );
}

export async function runDoctor(context: CliContext, options: { timeoutMs: number; probe: boolean }): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [checkNode()];
  let config: LamarckConfig | undefined;
  try {
    config = await context.config();
    checks.push({ name: 'config', status: 'ok', detail: config.source ?? 'no lamarck.config.json or lamarck.config.ts; defaults and environment' });
  } catch (error) {
    checks.push({ name: 'config', status: 'fail', detail: messageOf(error), fatal: true });
  }
  let queue: QueueReport | undefined;
  if (config !== undefined) {
    const storeCheck = await checkStore(context);
    checks.push(storeCheck);
    if (storeCheck.status !== 'fail') {
      const queueCheck = await checkQueue(context);
      if (queueCheck !== undefined) {
        checks.push(queueCheck.check);
        queue = queueCheck.report;
      }
    }
    const modelChecks = await checkModels(context, config, options);
    checks.push(...modelChecks);
  }
  checks.push(...(await checkLocalModelFiles(context.cwd)));
  const modelsAnswering = checks.filter((check) => check.name.startsWith('model ') && check.status === 'ok').length;
  return { canRun: !checks.some((check) => check.fatal === true), modelsAnswering, checks, ...definedOnly({ queue }) };
}

function checkNode(): DoctorCheck {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const supported = major > minimumNode[0] || (major === minimumNode[0] && minor >= minimumNode[1]);
  return supported
    ? { name: 'node', status: 'ok', detail: `Node ${process.versions.node}` }
    : { name: 'node', status: 'fail', detail: `Node ${process.versions.node}; lamarck needs ${minimumNode.join('.')} or later`, fatal: true };
}

/**
 * Which store is in use (its URL without the password), whether it opens, and whether its
 * migrations are all applied. Opening applies pending migrations, so "behind" shows only when the
 * database is at a version this lamarck cannot reach, which opening refuses.
 */
async function checkStore(context: CliContext): Promise<DoctorCheck> {
  let shown = 'the store';
  try {
    const target = await context.storeTarget();
    shown = target.display;
    const store = await context.store();
    const applied = await store.schemaVersion();
    const latest = store.kind === 'postgres' ? latestPostgresSchemaVersion : latestSchemaVersion;
    const migrations = applied === latest ? 'migrations up to date' : `migrations at ${applied} of ${latest}`;
    // quick_check reads every page: a store damaged in the middle of the file still opens and reads its first pages.
    const problems = (await store.checkIntegrity?.()) ?? [];
    if (problems.length > 0) {
      return { name: 'store', status: 'fail', detail: `${shown} is damaged (PRAGMA quick_check: ${problems.slice(0, 3).join('; ')})`, fatal: true };
    }
    const checked = store.checkIntegrity === undefined ? '' : '; quick_check ok';
    return { name: 'store', status: applied === latest ? 'ok' : 'warn', detail: `${shown} (schema version ${applied}, ${migrations}${checked})` };
  } catch (error) {
    return { name: 'store', status: 'fail', detail: `${shown}: ${messageOf(error)}`, fatal: true };
  }
}

/**
 * The job queue beside the store, which `evolve --workers external` and `lamarck worker` use: its
 * backend and the evaluation queue's jobs per state and oldest wait. Not fatal: only external
 * evaluation needs it. A store with no queue (in memory) has no line.
 */
async function checkQueue(context: CliContext): Promise<{ check: DoctorCheck; report?: QueueReport } | undefined> {
  const store = await context.store();
  if (store.kind !== 'sqlite' && store.kind !== 'postgres') return undefined;
  if (store.location === ':memory:') return undefined;
  let queue: JobQueue | undefined;
  try {
    queue = await openJobQueue(store, await context.storeTarget(), { supervise: false });
    const overview = await queue.overview(defaultEvaluationQueue);
    const report: QueueReport = {
      backend: queue.kind,
      location: queue.location,
      queue: defaultEvaluationQueue,
      queued: overview.counts.queued,
      running: overview.counts.active,
      deadLetters: overview.counts.dead,
      completed: overview.counts.completed,
      oldestQueuedAgeMs: overview.oldestQueuedAt === null ? null : Math.max(0, Date.now() - overview.oldestQueuedAt),
    };
    const oldest = report.oldestQueuedAgeMs === null ? '' : `, oldest queued ${formatAge(report.oldestQueuedAgeMs)}`;
    const detail = `${report.backend} (${report.location}): ${report.queue}: ${report.queued} queued, ${report.running} running, ${report.deadLetters} dead-lettered, ${report.completed} completed${oldest}`;
    // A dead letter is a job no worker could finish: worth a look, never a reason Lamarck cannot run.
    return { check: { name: 'queue', status: report.deadLetters > 0 ? 'warn' : 'ok', detail }, report };
  } catch (error) {
    return { check: { name: 'queue', status: 'fail', detail: messageOf(error) } };
  } finally {
    await queue?.close();
  }
}

/** `4 s ago`, `12 min ago`, `3.5 h ago`. */
function formatAge(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

async function checkModels(context: CliContext, loaded: LamarckConfig, options: { timeoutMs: number; probe: boolean }): Promise<DoctorCheck[]> {
  const config = modelConfig(loaded);
  const checks: Array<Promise<DoctorCheck>> = [];
  if (config.models.length === 0) {
    checks.push(
      Promise.resolve({
        name: 'models',
        status: 'warn',
        detail: 'no models configured: only model-free work is possible (set LAMARCK_MODEL, e.g. openai:gpt-5-mini, or "models" in lamarck.config.json)',
      }),
    );
  }
  const resolveOptions = modelOptionsFromConfig(config, { cwd: context.cwd, timeoutMs: options.timeoutMs, retries: { maxAttempts: 1 } });
  config.models.forEach((spec, index) => {
    checks.push(
      probeModel(spec, config, context.cwd, options.probe, async () => {
        const model = resolveParsedModel(spec, { ...resolveOptions, field: `models.${index}` });
        const started = performance.now();
        const result = await model.generateText({ prompt: 'Reply with the single word: ok', maxOutputTokens: 16, purpose: 'doctor' });
        return `answered in ${Math.round(performance.now() - started)} ms (${JSON.stringify(result.text.trim().slice(0, 40))})`;
      }),
    );
  });
  const embedding = config.embeddingModel;
  if (embedding !== undefined) {
    checks.push(
      probeModel(embedding, config, context.cwd, options.probe, async () => {
        const model = resolveParsedEmbeddingModel(embedding, resolveOptions, 'embeddingModel');
        const { embeddings } = await model.embed(['lamarck doctor'], { purpose: 'doctor' });
        return `embeds (${embeddings[0]?.length ?? 0} dimensions)`;
      }, 'embedding model'),
    );
  }
  return Promise.all(checks);
}

async function probeModel(
  spec: ModelSpec,
  config: ModelConfig,
  cwd: string,
  probe: boolean,
  call: () => Promise<string>,
  kind = 'model',
): Promise<DoctorCheck> {
  const name = `${kind} ${formatModelSpec(spec)}`;
  const missing = missingCredential(spec, config);
  if (missing !== undefined) return { name, status: 'fail', detail: missing };
  if (spec.provider === 'local') {
    const problem = await ggufProblem(path.resolve(cwd, spec.path ?? spec.modelId));
    if (problem !== undefined) return { name, status: 'fail', detail: `${problem} (run \`lamarck model pull <alias>\` or fix the path)` };
  }
  if (!probe) return { name, status: 'ok', detail: 'configured (not probed)' };
  try {
    return { name, status: 'ok', detail: await call() };
  } catch (error) {
    return { name, status: 'fail', detail: messageOf(error) };
  }
}

/** Checked before calling, so the message names the setting rather than echoing a provider error. */
function missingCredential(spec: ModelSpec, config: ModelConfig): string | undefined {
  if (spec.provider === 'openai' && spec.apiKey === undefined && config.providers.openai.apiKey === undefined) {
    return 'no API key: set OPENAI_API_KEY (or providers.openai.apiKey in lamarck.config.json)';
  }
  if (spec.provider === 'anthropic' && spec.apiKey === undefined && config.providers.anthropic.apiKey === undefined) {
    return 'no API key: set ANTHROPIC_API_KEY (or providers.anthropic.apiKey in lamarck.config.json)';
  }
  return undefined;
}

async function checkLocalModelFiles(cwd: string): Promise<DoctorCheck[]> {
  const directory = path.join(cwd, localModelsDirectory);
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.toLowerCase().endsWith('.gguf')).sort();
  } catch {
    return [{ name: 'local model files', status: 'ok', detail: `none in ${localModelsDirectory} (optional; \`lamarck model pull <alias>\` fetches one)` }];
  }
  if (names.length === 0) {
    return [{ name: 'local model files', status: 'ok', detail: `none in ${localModelsDirectory} (optional; \`lamarck model pull <alias>\` fetches one)` }];
  }
  return Promise.all(
    names.map(async (name): Promise<DoctorCheck> => {
      const file = path.join(directory, name);
      const problem = await ggufProblem(file);
      const size = problem === undefined ? ` (${formatBytes((await stat(file)).size)}), use as local:${path.join(localModelsDirectory, name)}` : '';
      return { name: `local model file ${name}`, status: problem === undefined ? 'ok' : 'warn', detail: problem ?? `GGUF${size}` };
    }),
  );
}

/** Undefined when the file exists and starts with the GGUF magic bytes. */
async function ggufProblem(file: string): Promise<string | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      const magic = Buffer.alloc(4);
      const { bytesRead } = await handle.read(magic, 0, 4, 0);
      return bytesRead === 4 && magic.toString('latin1') === 'GGUF' ? undefined : `${file} is not a GGUF file`;
    } finally {
      await handle.close();
    }
  } catch {
    return `local model file not found: ${file}`;
  }
}

function printReport(output: Output, report: DoctorReport): void {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  for (const check of report.checks) {
    output.info(`${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.detail}${check.fatal === true ? ' [fatal]' : ''}`);
  }
  const models = report.checks.filter((check) => check.name.startsWith('model '));
  if (!report.canRun) {
    output.info('\nLamarck cannot run here until the failures marked [fatal] above are fixed.');
  } else if (report.modelsAnswering === 0) {
    output.info(
      models.length === 0
        ? '\nLamarck can run model-free work (numeric tuning, evaluations, library management); configure a model for the rest.'
        : '\nLamarck can run model-free work, but no configured model answered; fix the model errors above for the rest.',
    );
  } else {
    output.info(`\nLamarck is ready: ${report.modelsAnswering} of ${models.length} configured ${models.length === 1 ? 'model answers' : 'models answer'}.`);
  }
}

function messageOf(error: unknown): string {
  if (isLamarckError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive integer (milliseconds)');
  return number;
}
