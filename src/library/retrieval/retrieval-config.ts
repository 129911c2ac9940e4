import { z } from 'zod';
import type { LamarckConfig } from '../../core/config.ts';
import { parseOrThrow } from '../../core/config-issues.ts';
import { ConfigError } from '../../core/errors.ts';
import { nonEmptyString } from '../../core/schema-fields.ts';
import { modelConfig } from '../../model/model-config.ts';
import { modelOptionsFromConfig, resolveParsedModel } from '../../model/resolve-model.ts';
import { parseModelSpec } from '../../model/spec.ts';
import type { UsageMeter } from '../../model/types.ts';
import { definedOnly } from '../../core/defined-only.ts';
import type { ModelRerankOptions } from './model-rerank.ts';

/**
 * The `retrieval` section of lamarck.config.json: what `lamarck learn` and `lamarck run` (and
 * `skills search --rerank`) retrieve with beyond lexical ranking. Today one key, the model
 * re-rank of the top hits:
 *
 *   "retrieval": { "rerank": { "enabled": true, "model": "openai:gpt-5-mini", "topK": 5 } }
 *
 * `model` defaults to the first configured model. An invalid value is a ConfigError naming
 * `retrieval.<field>`.
 */
export const retrievalConfigSchema = z
  .object({
    rerank: z
      .object({
        /** Let the model reorder the top hits of every task's retrieval (off by default: it costs one call per task). */
        enabled: z.boolean({ error: 'expected true or false' }).default(false),
        /** A model spec; default the first configured model. */
        model: nonEmptyString().optional(),
        /** How many of the top hits the model sees and reorders. */
        topK: z
          .number({ error: 'expected an integer from 2 to 20' })
          .int({ error: 'expected an integer from 2 to 20' })
          .min(2, { error: 'expected an integer from 2 to 20' })
          .max(20, { error: 'expected an integer from 2 to 20' })
          .default(5),
      })
      .strict()
      .default({ enabled: false, topK: 5 }),
  })
  .strict();

export type RetrievalConfig = z.infer<typeof retrievalConfigSchema>;

export function parseRetrievalConfig(value: unknown, source?: string): RetrievalConfig {
  return parseOrThrow(retrievalConfigSchema, value ?? {}, { prefix: ['retrieval'], source });
}

/**
 * The re-rank options the configuration asks for (undefined when `retrieval.rerank.enabled` is
 * not true), with the model resolved: `retrieval.rerank.model`, else the first configured model;
 * enabled with neither is a ConfigError naming `retrieval.rerank.model`.
 */
export function configuredRerank(
  config: LamarckConfig,
  options: { cwd?: string; meter?: UsageMeter; onKeptLexicalOrder?: (reason: string) => void } = {},
): (ModelRerankOptions & { onKeptLexicalOrder?: (reason: string) => void }) | undefined {
  const { rerank } = parseRetrievalConfig(config.retrieval, config.source);
  if (!rerank.enabled) return undefined;
  const models = modelConfig(config);
  const spec = rerank.model === undefined ? models.models[0] : parseModelSpec(rerank.model, 'retrieval.rerank.model', config.source);
  if (spec === undefined) {
    throw new ConfigError('retrieval.rerank.model', 're-rank is enabled but names no model and no "models" are configured', definedOnly({ source: config.source }));
  }
  const field = rerank.model === undefined ? 'models.0' : 'retrieval.rerank.model';
  const model = resolveParsedModel(spec, { ...modelOptionsFromConfig(models), field, ...definedOnly({ cwd: options.cwd }) });
  return { model, candidates: rerank.topK, ...definedOnly({ meter: options.meter, onKeptLexicalOrder: options.onKeptLexicalOrder }) };
}
