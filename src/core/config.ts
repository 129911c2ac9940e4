import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configErrorFromIssues } from './config-issues.ts';
import { definedOnly } from './defined-only.ts';
import { ConfigError } from './errors.ts';

/**
 * Lamarck's configuration: `lamarck.config.json` or `lamarck.config.ts` in the working directory,
 * then environment variables on top. Every invalid value becomes a ConfigError that names the
 * field and says what was expected, so a typo never surfaces later as a confusing model error.
 */

export type ConfiguredProvider = 'openai' | 'anthropic' | 'ollama' | 'openai-compatible' | 'local';

const providerNames: readonly ConfiguredProvider[] = ['openai', 'anthropic', 'ollama', 'openai-compatible', 'local'];

export interface PriceOverride {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** A model spec after parsing; structurally a `ModelSpec` of `src/model/types.ts`. */
export interface ConfiguredModel {
  provider: ConfiguredProvider;
  modelId: string;
  baseURL?: string;
  apiKey?: string;
  path?: string;
  weight?: number;
  pricing?: PriceOverride;
  nativeTools?: boolean;
}

export interface RetryConfig {
  /** Total attempts per call, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for; the call fails instead. */
  maxRetryAfterMs: number;
}

/** Size caps on what goes to and comes from a model, in characters (JavaScript string length). */
export interface ModelLimits {
  /** A reply longer than this is a recorded failure (`reply-too-large`), never used. */
  maxReplyChars: number;
  /** A prompt longer than this is not sent; the call fails (`prompt-too-large`). */
  maxPromptChars: number;
}

export interface BudgetConfig {
  maxUsd?: number;
  maxTokens?: number;
  maxCalls?: number;
}

export interface ProviderCredentials {
  openai: { apiKey?: string; baseURL?: string };
  anthropic: { apiKey?: string; baseURL?: string };
  ollama: { baseURL: string };
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
  models: ConfiguredModel[];
  embeddingModel?: ConfiguredModel;
  /** Where the store is: a SQLite path, or a URL (`sqlite:<path>`, `postgres://...`), with PostgreSQL pool settings. */
  store: StoreConfig;
  /** USD per million tokens, keyed by spec (`openai:gpt-5-mini`) or bare model id. */
  prices: Record<string, PriceOverride>;
  retries: RetryConfig;
  /** Per-call timeout for model calls. */
  timeoutMs: number;
  limits: ModelLimits;
  budget: BudgetConfig;
  providers: ProviderCredentials;
  // Sections owned by other modules, which validate them themselves.
  evolve?: Record<string, unknown>;
  agent?: Record<string, unknown>;
  learn?: Record<string, unknown>;
  mcpServers?: Record<string, unknown>;
}

export const defaultRetryConfig: RetryConfig = {
  maxAttempts: 4,
  initialDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

export const defaultTimeoutMs = 120_000;
export const defaultModelLimits: ModelLimits = { maxReplyChars: 200_000, maxPromptChars: 600_000 };
export const defaultOllamaBaseURL = 'http://127.0.0.1:11434/v1';
export const configFileNames = ['lamarck.config.json', 'lamarck.config.ts'] as const;

/**
 * Parses `openai:<id>`, `anthropic:<id>`, `ollama:<id>`, `openai-compatible:<baseURL>#<id>` and
 * `local:<path.gguf>`. `field` and `source` name the place the spec came from, for the error.
 */
export function parseModelSpecString(text: string, field: string, source?: string): ConfiguredModel {
  const fail = (message: string): never => {
    throw new ConfigError(field, `${message}, got ${JSON.stringify(text)}`, source === undefined ? {} : { source });
  };
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) fail(`expected a model spec like "openai:gpt-5-mini" (providers: ${providerNames.join(', ')})`);
  const provider = trimmed.slice(0, colon);
  const rest = trimmed.slice(colon + 1).trim();
  if (!(providerNames as readonly string[]).includes(provider)) {
    fail(`expected a provider of ${providerNames.join(', ')} before ":"`);
  }
  if (rest === '') fail(`expected a model after "${provider}:"`);
  switch (provider as ConfiguredProvider) {
    case 'openai-compatible': {
      const hash = rest.lastIndexOf('#');
      const baseURL = hash < 0 ? '' : rest.slice(0, hash);
      const modelId = hash < 0 ? '' : rest.slice(hash + 1);
      if (baseURL === '' || modelId === '') fail('expected "openai-compatible:<baseURL>#<model>"');
      if (!isHttpUrl(baseURL)) fail('expected an http(s) base URL before "#"');
      return { provider: 'openai-compatible', modelId, baseURL };
    }
    case 'local':
      if (!rest.toLowerCase().endsWith('.gguf')) fail('expected "local:<path to a .gguf file>"');
      return { provider: 'local', modelId: path.basename(rest), path: rest };
    default:
      return { provider: provider as ConfiguredProvider, modelId: rest };
  }
}

/** The canonical string form of a parsed spec (the inverse of parseModelSpecString). */
export function formatModelSpecString(spec: { provider: string; modelId: string; baseURL?: string; path?: string }): string {
  if (spec.provider === 'openai-compatible') return `openai-compatible:${spec.baseURL ?? ''}#${spec.modelId}`;
  if (spec.provider === 'local') return `local:${spec.path ?? spec.modelId}`;
  return `${spec.provider}:${spec.modelId}`;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

// ---- schema -------------------------------------------------------------------------------------

const positiveNumber = () => z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
const positiveInteger = () =>
  z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
const nonNegativeInteger = () =>
  z.number({ error: 'expected a non-negative integer' }).int({ error: 'expected a non-negative integer' }).min(0, { error: 'expected a non-negative integer' });
const nonEmptyString = () => z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
const httpUrl = () => nonEmptyString().refine(isHttpUrl, { error: 'expected an http(s) URL' });

const priceSchema = z.strictObject(
  {
    inputPerMillion: z.number({ error: 'expected a non-negative number' }).min(0, { error: 'expected a non-negative number' }),
    outputPerMillion: z.number({ error: 'expected a non-negative number' }).min(0, { error: 'expected a non-negative number' }),
  },
  { error: 'expected an object { inputPerMillion, outputPerMillion }' },
);

const modelOptionsShape = {
  weight: positiveNumber().optional(),
  baseURL: httpUrl().optional(),
  apiKey: nonEmptyString().optional(),
  pricing: priceSchema.optional(),
  nativeTools: z.boolean({ error: 'expected true or false' }).optional(),
};

// A model entry is a spec string, `{ spec, ...options }`, or `{ provider, model, ...options }`.
const modelEntrySchema = z.union(
  [
    nonEmptyString(),
    z.strictObject({ spec: nonEmptyString(), ...modelOptionsShape }),
    z.strictObject({
      provider: z.enum(providerNames, { error: `expected one of ${providerNames.join(', ')}` }),
      model: nonEmptyString(),
      path: nonEmptyString().optional(),
      ...modelOptionsShape,
    }),
  ],
  { error: 'expected a model spec string like "openai:gpt-5-mini" or an object { spec, weight }' },
);

type ModelEntry = z.infer<typeof modelEntrySchema>;

const opaqueSection = z.record(z.string(), z.unknown(), { error: 'expected an object' });

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  models: z
    .union([modelEntrySchema, z.array(modelEntrySchema)], {
      error: 'expected a model spec string like "openai:gpt-5-mini", an object { spec, weight }, or a list of them',
    })
    .optional(),
  model: modelEntrySchema.optional(),
  embeddingModel: modelEntrySchema.optional(),
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
  prices: z.record(z.string(), priceSchema, { error: 'expected an object of prices' }).optional(),
  retries: z
    .strictObject({
      maxAttempts: positiveInteger().optional(),
      initialDelayMs: nonNegativeInteger().optional(),
      maxDelayMs: nonNegativeInteger().optional(),
      maxRetryAfterMs: nonNegativeInteger().optional(),
    })
    .optional(),
  timeoutMs: positiveInteger().optional(),
  limits: z.strictObject({ maxReplyChars: positiveInteger().optional(), maxPromptChars: positiveInteger().optional() }).optional(),
  budget: z
    .strictObject({ maxUsd: positiveNumber().optional(), maxTokens: positiveInteger().optional(), maxCalls: positiveInteger().optional() })
    .optional(),
  providers: z
    .strictObject({
      openai: z.strictObject({ apiKey: nonEmptyString().optional(), baseURL: httpUrl().optional() }).optional(),
      anthropic: z.strictObject({ apiKey: nonEmptyString().optional(), baseURL: httpUrl().optional() }).optional(),
      ollama: z.strictObject({ baseURL: httpUrl().optional() }).optional(),
    })
    .optional(),
  evolve: opaqueSection.optional(),
  agent: opaqueSection.optional(),
  learn: opaqueSection.optional(),
  mcpServers: opaqueSection.optional(),
});

type FileConfig = z.infer<typeof fileSchema>;

/**
 * Validates a configuration object with the same rules as a file. `source` names where it came
 * from in error messages (a file name, or `config` for objects built in code).
 */
export function parseConfig(raw: unknown, options: { source?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LamarckConfig {
  const source = options.source ?? 'config';
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw configErrorFromIssues(parsed.error, { input: raw ?? {}, schema: fileSchema, source });
  const file: FileConfig = parsed.data;
  const env = options.env ?? {};

  const models = toEntryList(file.models ?? file.model).map((entry, index) =>
    entryToModel(entry, file.models === undefined ? 'model' : Array.isArray(file.models) ? `models.${index}` : 'models', source),
  );
  const config: LamarckConfig = {
    models,
    store: typeof file.store === 'string' ? (isUrlLike(file.store) ? { url: file.store } : { path: file.store }) : definedOnly(file.store),
    prices: { ...file.prices },
    retries: { ...defaultRetryConfig, ...definedOnly(file.retries) },
    timeoutMs: file.timeoutMs ?? defaultTimeoutMs,
    limits: { ...defaultModelLimits, ...definedOnly(file.limits) },
    budget: definedOnly(file.budget),
    providers: {
      openai: definedOnly(file.providers?.openai),
      anthropic: definedOnly(file.providers?.anthropic),
      ollama: { baseURL: file.providers?.ollama?.baseURL ?? defaultOllamaBaseURL },
    },
  };
  if (options.source !== undefined) config.source = options.source;
  if (file.embeddingModel !== undefined) config.embeddingModel = entryToModel(file.embeddingModel, 'embeddingModel', source);
  if (file.evolve !== undefined) config.evolve = file.evolve;
  if (file.agent !== undefined) config.agent = file.agent;
  if (file.learn !== undefined) config.learn = file.learn;
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

/** The configuration with API keys masked, for run records, logs and `--json` output. */
export function redactConfig(config: LamarckConfig): LamarckConfig {
  const mask = <T extends { apiKey?: string }>(value: T): T => (value.apiKey === undefined ? value : { ...value, apiKey: '***' });
  const redacted: LamarckConfig = {
    ...config,
    models: config.models.map(mask),
    providers: { openai: mask(config.providers.openai), anthropic: mask(config.providers.anthropic), ollama: config.providers.ollama },
  };
  if (config.embeddingModel !== undefined) redacted.embeddingModel = mask(config.embeddingModel);
  return redacted;
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

function toEntryList(entries: ModelEntry | ModelEntry[] | undefined): ModelEntry[] {
  if (entries === undefined) return [];
  return Array.isArray(entries) ? entries : [entries];
}

function entryToModel(entry: ModelEntry, field: string, source: string): ConfiguredModel {
  if (typeof entry === 'string') return parseModelSpecString(entry, field, source);
  let model: ConfiguredModel;
  if ('spec' in entry) {
    model = parseModelSpecString(entry.spec, `${field}.spec`, source);
  } else if (entry.provider === 'openai-compatible') {
    if (entry.baseURL === undefined) throw new ConfigError(`${field}.baseURL`, 'expected a base URL for an openai-compatible model', { source });
    model = { provider: 'openai-compatible', modelId: entry.model, baseURL: entry.baseURL };
  } else if (entry.provider === 'local') {
    model = parseModelSpecString(`local:${entry.path ?? entry.model}`, `${field}.path`, source);
  } else {
    model = { provider: entry.provider, modelId: entry.model };
  }
  if (entry.weight !== undefined) model.weight = entry.weight;
  if (entry.baseURL !== undefined) model.baseURL = entry.baseURL;
  if (entry.apiKey !== undefined) model.apiKey = entry.apiKey;
  if (entry.pricing !== undefined) model.pricing = entry.pricing;
  if (entry.nativeTools !== undefined) model.nativeTools = entry.nativeTools;
  return model;
}

// ---- environment --------------------------------------------------------------------------------

/** LAMARCK_* variables override the file (so one run can switch models); credentials only fill gaps. */
function applyEnvironment(config: LamarckConfig, env: NodeJS.ProcessEnv): void {
  const source = 'environment';
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const models = value('LAMARCK_MODEL');
  if (models !== undefined) {
    config.models = models
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => parseModelSpecString(part, 'LAMARCK_MODEL', source));
  }
  const embedding = value('LAMARCK_EMBEDDING_MODEL');
  if (embedding !== undefined) config.embeddingModel = parseModelSpecString(embedding, 'LAMARCK_EMBEDDING_MODEL', source);
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
  const openaiKey = value('OPENAI_API_KEY');
  if (openaiKey !== undefined) config.providers.openai.apiKey ??= openaiKey;
  const openaiBase = value('OPENAI_BASE_URL');
  if (openaiBase !== undefined) {
    if (!isHttpUrl(openaiBase)) throw new ConfigError('OPENAI_BASE_URL', `expected an http(s) URL, got ${JSON.stringify(openaiBase)}`, { source });
    config.providers.openai.baseURL ??= openaiBase;
  }
  const anthropicKey = value('ANTHROPIC_API_KEY');
  if (anthropicKey !== undefined) config.providers.anthropic.apiKey ??= anthropicKey;
  const ollamaHost = value('OLLAMA_HOST');
  if (ollamaHost !== undefined && config.providers.ollama.baseURL === defaultOllamaBaseURL) {
    config.providers.ollama.baseURL = ollamaBaseURLFromHost(ollamaHost);
  }
}

/** OLLAMA_HOST is usually `host:port` or `http://host:port`; the OpenAI-compatible API lives under /v1. */
export function ollamaBaseURLFromHost(host: string): string {
  let url = /^https?:\/\//i.test(host) ? host : `http://${host}`;
  url = url.replace(/\/+$/, '');
  return url.endsWith('/v1') ? url : `${url}/v1`;
}

/** `scheme:` (sqlite:, file:, postgres://), but not a Windows drive letter. */
function isUrlLike(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text);
}
