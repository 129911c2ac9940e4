import { z } from 'zod';
import type { LamarckConfig } from '../core/config.ts';
import { parseOrThrow } from '../core/config-issues.ts';
import { definedOnly } from '../core/defined-only.ts';
import { nonEmptyString, nonNegativeInteger, positiveInteger, positiveNumber } from '../core/schema-fields.ts';
import { applyModelEnvironment } from './model-environment.ts';
import { configuredProviders, isHttpUrl, parseModelSpec } from './spec.ts';
import { defaultModelLimits, defaultOllamaBaseURL, defaultRetryConfig, defaultTimeoutMs, type ModelConfig } from './model-settings.ts';
import type { ModelSpec } from './types.ts';

/**
 * The model section of lamarck.config.json (`models` or `model`, `embeddingModel`, `prices`,
 * `retries`, `timeoutMs`, `limits`, `providers`) and the model variables of the environment. Core
 * hands the section over unread (ADR 0006); it is validated here, once, and every reader (the CLI,
 * doctor, serve, the resolvers) gets the parsed form from `modelConfig`.
 */

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
      provider: z.enum(configuredProviders, { error: `expected one of ${configuredProviders.join(', ')}` }),
      model: nonEmptyString(),
      path: nonEmptyString().optional(),
      ...modelOptionsShape,
    }),
  ],
  { error: 'expected a model spec string like "openai:gpt-5-mini" or an object { spec, weight }' },
);

type ModelEntry = z.infer<typeof modelEntrySchema>;

const modelSectionSchema = z.strictObject({
  models: z
    .union([modelEntrySchema, z.array(modelEntrySchema)], {
      error: 'expected a model spec string like "openai:gpt-5-mini", an object { spec, weight }, or a list of them',
    })
    .optional(),
  model: modelEntrySchema.optional(),
  /** The strong model of a cascade: the configured model acts first, this one when that fails. */
  escalate: modelEntrySchema.optional(),
  embeddingModel: modelEntrySchema.optional(),
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
  providers: z
    .strictObject({
      openai: z.strictObject({ apiKey: nonEmptyString().optional(), baseURL: httpUrl().optional() }).optional(),
      anthropic: z.strictObject({ apiKey: nonEmptyString().optional(), baseURL: httpUrl().optional() }).optional(),
      ollama: z.strictObject({ baseURL: httpUrl().optional() }).optional(),
    })
    .optional(),
});

/** The parsed model section of a loaded configuration, with the environment's model variables applied. */
export function modelConfig(config: LamarckConfig): ModelConfig {
  const source = config.source;
  const section = parseOrThrow(modelSectionSchema, config.modelSection ?? {}, { source });
  const entries = section.models ?? section.model;
  const fieldOf = (index: number): string => (section.models === undefined ? 'model' : Array.isArray(section.models) ? `models.${index}` : 'models');
  const parsed: ModelConfig = {
    models: (entries === undefined ? [] : Array.isArray(entries) ? entries : [entries]).map((entry, index) => entryToModel(entry, fieldOf(index), source)),
    prices: { ...section.prices },
    retries: { ...defaultRetryConfig, ...definedOnly(section.retries) },
    timeoutMs: section.timeoutMs ?? defaultTimeoutMs,
    limits: { ...defaultModelLimits, ...definedOnly(section.limits) },
    providers: {
      openai: definedOnly(section.providers?.openai),
      anthropic: definedOnly(section.providers?.anthropic),
      ollama: { baseURL: section.providers?.ollama?.baseURL ?? defaultOllamaBaseURL },
    },
  };
  if (section.escalate !== undefined) parsed.escalate = entryToModel(section.escalate, 'escalate', source);
  if (section.embeddingModel !== undefined) parsed.embeddingModel = entryToModel(section.embeddingModel, 'embeddingModel', source);
  applyModelEnvironment(parsed, config.environment ?? {});
  return parsed;
}

function entryToModel(entry: ModelEntry, field: string, source: string | undefined): ModelSpec {
  if (typeof entry === 'string') return parseModelSpec(entry, field, source);
  const { weight, baseURL, apiKey, pricing, nativeTools } = entry;
  const options = definedOnly({ weight, baseURL, apiKey, pricing, nativeTools });
  if ('spec' in entry) return { ...parseModelSpec(entry.spec, `${field}.spec`, source), ...options };
  if (entry.provider === 'local') return { ...parseModelSpec(`local:${entry.path ?? entry.model}`, `${field}.path`, source), ...options };
  return parseModelSpec({ provider: entry.provider, modelId: entry.model, ...options }, field, source);
}

/** Every API key the model section holds, so output and the dashboard can redact one a record quotes. */
export function configuredApiKeys(config: ModelConfig): string[] {
  const keys = [
    config.providers.openai.apiKey,
    config.providers.anthropic.apiKey,
    ...config.models.map((model) => model.apiKey),
    config.escalate?.apiKey,
    config.embeddingModel?.apiKey,
  ];
  return keys.filter((key): key is string => key !== undefined);
}

/** The model section with API keys masked, for logs and `--json` output. */
export function redactModelConfig(config: ModelConfig): ModelConfig {
  const mask = <T extends { apiKey?: string }>(value: T): T => (value.apiKey === undefined ? value : { ...value, apiKey: '***' });
  const redacted: ModelConfig = {
    ...config,
    models: config.models.map(mask),
    providers: { openai: mask(config.providers.openai), anthropic: mask(config.providers.anthropic), ollama: config.providers.ollama },
  };
  if (config.embeddingModel !== undefined) redacted.embeddingModel = mask(config.embeddingModel);
  if (config.escalate !== undefined) redacted.escalate = mask(config.escalate);
  return redacted;
}
