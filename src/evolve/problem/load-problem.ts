import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseOrThrow } from '../../core/config-issues.ts';
import { ConfigError } from '../../core/errors.ts';
import { requirePath } from '../../core/require-path.ts';
import type { JsonObject } from '../../core/json.ts';
import { defaultTemplates } from '../prompt/default-templates.ts';
import type { EvaluatorConfig, FeatureDimension, Problem } from '../types.ts';
import { EvolveBlockError, findEvolveBlocks } from '../evolve-blocks.ts';
import { problemConfigSchema, type ProblemConfig } from './problem-config.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/** Feature dimensions used when the config names none: code length and a diversity measure. */
export const defaultFeatures: readonly FeatureDimension[] = [
  { name: 'code-length', bins: 10 },
  { name: 'diversity', bins: 10 },
];

/**
 * Loads and validates a problem directory: `lamarck.json` (or `lamarck.ts` with a default export),
 * the program files with their EVOLVE-BLOCKs, and the evaluator. Every problem is reported as a
 * ConfigError naming the file and field.
 */
export async function loadProblem(directory: string): Promise<Problem> {
  const root = resolve(directory);
  await requirePath(root, 'directory', 'problem folder');
  const { raw, source } = await readConfig(root);
  const config = validate(raw, source);
  return buildProblem(root, config, source);
}

/** Validates an already-parsed config object (used by `loadProblem`, and by callers that build configs in code). */
export function parseProblemConfig(raw: unknown, source = 'lamarck.json'): ProblemConfig {
  return validate(raw, source);
}

async function readConfig(root: string): Promise<{ raw: unknown; source: string }> {
  const jsonPath = join(root, 'lamarck.json');
  if (existsSync(jsonPath)) {
    const text = await readFile(jsonPath, 'utf8');
    try {
      return { raw: JSON.parse(text) as unknown, source: 'lamarck.json' };
    } catch (error) {
      throw new ConfigError('(file)', `not valid JSON: ${(error as Error).message}`, { source: 'lamarck.json', cause: error });
    }
  }
  for (const name of ['lamarck.ts', 'lamarck.js', 'lamarck.mjs']) {
    const modulePath = join(root, name);
    if (!existsSync(modulePath)) continue;
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError('(file)', `could not be imported: ${(error as Error).message}`, { source: name, cause: error });
    }
    if (loaded.default === undefined) throw new ConfigError('default', 'expected a default export with the problem config', { source: name });
    return { raw: loaded.default, source: name };
  }
  throw new ConfigError('lamarck.json', `no lamarck.json or lamarck.ts in ${root}`);
}

function validate(raw: unknown, source: string): ProblemConfig {
  return parseOrThrow(problemConfigSchema, raw, { source });
}

async function buildProblem(root: string, config: ProblemConfig, source: string): Promise<Problem> {
  const programPaths = config.files ?? [config.program!];
  const entryFile = config.entry ?? programPaths[0]!;
  if (!programPaths.includes(entryFile)) {
    throw new ConfigError('entry', `${entryFile} is not one of the program files (${programPaths.join(', ')})`, { source });
  }
  const files: Record<string, string> = {};
  const evolvableFiles: string[] = [];
  for (const [index, path] of programPaths.entries()) {
    const field = config.files === undefined ? 'program' : `files.${index}`;
    const content = await readFile(join(root, path), 'utf8').catch(() => null);
    if (content === null) throw new ConfigError(field, `cannot read ${path} in ${root}`, { source });
    files[path] = content;
    try {
      if (findEvolveBlocks(content, path).length > 0) evolvableFiles.push(path);
    } catch (error) {
      if (error instanceof EvolveBlockError) throw new ConfigError(field, error.message, { source, cause: error });
      throw error;
    }
  }
  if (evolvableFiles.length === 0) {
    throw new ConfigError(config.files === undefined ? 'program' : 'files', `no EVOLVE-BLOCK-START / EVOLVE-BLOCK-END markers in ${programPaths.join(', ')}`, {
      source,
    });
  }
  const evaluator = config.evaluator;
  if (evaluator?.module !== undefined && !existsSync(join(root, evaluator.module))) {
    throw new ConfigError('evaluator.module', `cannot find ${evaluator.module} in ${root}`, { source });
  }
  const templates: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.templates)) {
    if (!Object.hasOwn(defaultTemplates, name)) {
      throw new ConfigError(`templates.${name}`, `unknown template; expected one of ${Object.keys(defaultTemplates).join(', ')}`, { source });
    }
    templates[name] = await readText(root, value, `templates.${name}`, source);
  }
  const features = config.features ?? defaultFeatures.map((feature) => ({ ...feature }));
  features.forEach((feature, index) => {
    if (feature.min !== undefined && feature.max !== undefined && !(feature.max > feature.min)) {
      throw new ConfigError(`features.${index}.max`, 'expected max to be greater than min', { source });
    }
  });
  return {
    directory: root,
    name: config.name ?? basename(root),
    files,
    evolvableFiles,
    entryFile,
    evaluator: evaluator === undefined ? agentEvaluatorConfig() : evaluatorConfig(evaluator),
    objective: config.objective,
    features: features.map((feature) => ({
      name: feature.name,
      bins: feature.bins,
      ...definedOnly({ min: feature.min, max: feature.max }),
    })),
    templates,
    description: config.description === undefined ? '' : await readText(root, config.description, 'description', source),
    settings: config.settings as JsonObject,
    ...definedOnly({ agent: config.agent as JsonObject | undefined }),
  };
}

function evaluatorConfig(evaluator: NonNullable<ProblemConfig['evaluator']>): EvaluatorConfig {
  return {
    kind: evaluator.module === undefined ? 'command' : 'module',
    command: evaluator.command ?? [],
    ...definedOnly({ modulePath: evaluator.module }),
    timeoutMs: Math.round(evaluator.timeoutSeconds * 1000),
    ...definedOnly({ wallTimeoutMs: mapDefined(evaluator.wallTimeoutSeconds, milliseconds) }),
    memoryLimitMb: evaluator.memoryLimitMb,
    maxOutputBytes: Math.round(evaluator.maxOutputBytes),
    cascade: evaluator.cascade.map((stage) => ({
      args: stage.args,
      threshold: stage.threshold,
      ...definedOnly({ timeoutMs: mapDefined(stage.timeoutSeconds, milliseconds), wallTimeoutMs: mapDefined(stage.wallTimeoutSeconds, milliseconds) }),
    })),
  };
}

/**
 * An agent problem has no process to limit: the agent runs in this process under its own limits
 * (steps, time) from the `agent` section, so the process limits here are the defaults, unused.
 */
function agentEvaluatorConfig(): EvaluatorConfig {
  return { kind: 'agent', command: [], timeoutMs: 60_000, memoryLimitMb: 2048, maxOutputBytes: 1_000_000, cascade: [] };
}

async function readText(root: string, value: string | { file: string }, field: string, source: string): Promise<string> {
  if (typeof value === 'string') return value;
  const text = await readFile(join(root, value.file), 'utf8').catch(() => null);
  if (text === null) throw new ConfigError(`${field}.file`, `cannot read ${value.file} in ${root}`, { source });
  return text;
}

function milliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}
