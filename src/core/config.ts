import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configErrorFromIssues } from './config-issues.ts';
import { definedOnly } from './defined-only.ts';
import { ConfigError } from './errors.ts';
import { nonEmptyString, nonNegativeInteger, positiveInteger, positiveNumber } from './schema-fields.ts';

/**
 * Lamarck's configuration: `lamarck.config.json` or `lamarck.config.ts` in the working directory,
 * then environment variables on top. Core reads the file and the environment and owns only the
 * store and budget settings; each module validates its own section (ADR 0006): the model section in
 * src/model/model-config.ts, evolve, agent, learn, retrieval and the MCP servers in their modules. Every
 * invalid value becomes a ConfigError that names the field and says what was expected.
 */

export interface BudgetConfig {
  maxUsd?: number;
  maxTokens?: number;
  maxCalls?: number;
}

export interface StoreConfig {
  path?: string;
  url?: string;
  /** PostgreSQL connections per process (default 10); `?pool_size=` in the URL wins. */
  poolSize?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** The PostgreSQL schema for Lamarck's tables (default `lamarck`). */
  schema?: string;
}

export interface LamarckConfig {
  /** The file the configuration came from, when there was one. */
  source?: string;
  /** Where the store is: a SQLite path, or a URL (`sqlite:<path>`, `postgres://...`), with PostgreSQL pool settings. */
  store: StoreConfig;
  budget: BudgetConfig;
  /**
   * The model keys of the file (`models`, `model`, `escalate`, `embeddingModel`, `prices`, `retries`,
   * `timeoutMs`, `limits`, `providers`), unread: `modelConfig` in src/model/model-config.ts
   * validates them.
   */
  modelSection?: Record<string, unknown>;
  /** The environment the configuration was read with; a module reads its own variables from it (the model's, for one). */
  environment?: Readonly<Record<string, string | undefined>>;
  // Sections owned by other modules, which validate them themselves.
  evolve?: Record<string, unknown>;
  agent?: Record<string, unknown>;
  learn?: Record<string, unknown>;
  /** Retrieval beyond lexical ranking (the model re-rank): src/library/retrieval/retrieval-config.ts. */
  retrieval?: Record<string, unknown>;
  mcpServers?: Record<string, unknown>;
}

export const configFileNames = ['lamarck.config.json', 'lamarck.config.ts'] as const;

// ---- schema -------------------------------------------------------------------------------------


const opaqueSection = z.record(z.string(), z.unknown(), { error: 'expected an object' });

/** The top-level keys of the model section; core knows their names (so they are not unknown keys), not their meaning. */
const modelSectionKeys = ['models', 'model', 'escalate', 'embeddingModel', 'prices', 'retries', 'timeoutMs', 'limits', 'providers'] as const;

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  ...Object.fromEntries(modelSectionKeys.map((key) => [key, z.unknown().optional()])),
  store: z
    .union(
      [
        nonEmptyString(),
        z.strictObject({
          path: nonEmptyString().optional(),
          url: nonEmptyString().optional(),
          poolSize: positiveInteger().optional(),
          connectionTimeoutMs: positiveInteger().optional(),
          idleTimeoutMs: nonNegativeInteger().optional(),
          statementTimeoutMs: positiveInteger().optional(),
          schema: nonEmptyString().optional(),
        }),
      ],
      { error: 'expected a store URL ("sqlite:.lamarck/lamarck.db", "postgres://user@host/db") or an object { url, poolSize, ... }' },
    )
    .optional(),
  budget: z
    .strictObject({ maxUsd: positiveNumber().optional(), maxTokens: positiveInteger().optional(), maxCalls: positiveInteger().optional() })
    .optional(),
  evolve: opaqueSection.optional(),
  agent: opaqueSection.optional(),
  learn: opaqueSection.optional(),
  retrieval: opaqueSection.optional(),
  mcpServers: opaqueSection.optional(),
});

/**
 * Validates a configuration object with the same rules as a file. `source` names where it came
 * from in error messages (a file name, or `config` for objects built in code).
 */
export function parseConfig(raw: unknown, options: { source?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LamarckConfig {
  const source = options.source ?? 'config';
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw configErrorFromIssues(parsed.error, { input: raw ?? {}, schema: fileSchema, source });
  const file = parsed.data as z.infer<typeof fileSchema> & Partial<Record<(typeof modelSectionKeys)[number], unknown>>;
  const env = options.env ?? {};
  const config: LamarckConfig = {
    store: typeof file.store === 'string' ? (isUrlLike(file.store) ? { url: file.store } : { path: file.store }) : definedOnly(file.store),
    budget: definedOnly(file.budget),
    modelSection: Object.fromEntries(modelSectionKeys.filter((key) => file[key] !== undefined).map((key) => [key, file[key]])),
    environment: env,
  };
  if (options.source !== undefined) config.source = options.source;
  if (file.evolve !== undefined) config.evolve = file.evolve;
  if (file.agent !== undefined) config.agent = file.agent;
  if (file.learn !== undefined) config.learn = file.learn;
  if (file.retrieval !== undefined) config.retrieval = file.retrieval;
  if (file.mcpServers !== undefined) config.mcpServers = file.mcpServers;
  applyEnvironment(config, env);
  if (config.store.path !== undefined && options.cwd !== undefined && !isUrlLike(config.store.path)) {
    config.store.path = path.resolve(options.cwd, config.store.path);
  }
  return config;
}

/**
 * Reads the configuration for a working directory: the given file, else `lamarck.config.json` or
 * `lamarck.config.ts` in `cwd` (neither is fine: defaults apply), then the environment.
 */
export async function loadConfig(options: { cwd: string; env?: NodeJS.ProcessEnv; file?: string }): Promise<LamarckConfig> {
  const env = options.env ?? process.env;
  const file = options.file === undefined ? findConfigFile(options.cwd) : path.resolve(options.cwd, options.file);
  if (file === undefined) return parseConfig({}, { env, cwd: options.cwd });
  const source = path.basename(file);
  if (!existsSync(file)) throw new ConfigError('file', `configuration file not found: ${file}`, { source });
  const raw = file.endsWith('.json') ? readJsonFile(file, source) : await importConfigModule(file, source);
  const config = parseConfig(raw, { source, env, cwd: path.dirname(file) });
  config.source = file;
  return config;
}

export function findConfigFile(cwd: string): string | undefined {
  for (const name of configFileNames) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function readJsonFile(file: string, source: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError('(file)', `expected valid JSON: ${(error as Error).message}`, { source, cause: error });
  }
}

async function importConfigModule(file: string, source: string): Promise<unknown> {
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (module.default === undefined) throw new Error('the module has no default export');
    const value = typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError('(file)', `could not load the configuration module: ${(error as Error).message}`, { source, cause: error });
  }
}

// ---- environment --------------------------------------------------------------------------------

/** LAMARCK_STORE and LAMARCK_BUDGET_USD override the file; the model variables are the model module's (model-environment.ts). */
function applyEnvironment(config: LamarckConfig, env: NodeJS.ProcessEnv): void {
  const source = 'environment';
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const store = value('LAMARCK_STORE');
  if (store !== undefined) config.store = isUrlLike(store) ? { url: store } : { path: store };
  const budget = value('LAMARCK_BUDGET_USD');
  if (budget !== undefined) {
    const amount = Number(budget);
    if (!Number.isFinite(amount) || amount <= 0) {
      throw new ConfigError('LAMARCK_BUDGET_USD', `expected a positive number, got ${JSON.stringify(budget)}`, { source });
    }
    config.budget.maxUsd = amount;
  }
}

/** `scheme:` (sqlite:, file:, postgres://), but not a Windows drive letter. */
function isUrlLike(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text);
}
