import type { ModelPricing, ModelSpec } from './types.ts';

/**
 * List prices in USD per million tokens, as the providers publish them. A model id matches the
 * longest entry it starts with, so dated snapshots (`gpt-5-mini-2025-08-07`) find their family.
 * Config `prices` and a spec's own `pricing` override this table; unknown models cost 0 and are
 * reported as unpriced rather than guessed.
 */
export const defaultPrices: Readonly<Record<string, ModelPricing>> = {
  'openai:gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'openai:gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'openai:gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'openai:gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'openai:gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'openai:gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'openai:gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'openai:gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'openai:o3': { inputPerMillion: 2, outputPerMillion: 8 },
  'openai:o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'openai:text-embedding-3-small': { inputPerMillion: 0.02, outputPerMillion: 0 },
  'openai:text-embedding-3-large': { inputPerMillion: 0.13, outputPerMillion: 0 },
  'anthropic:claude-opus-4': { inputPerMillion: 15, outputPerMillion: 75 },
  'anthropic:claude-opus-4-5': { inputPerMillion: 5, outputPerMillion: 25 },
  'anthropic:claude-sonnet-4': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
  'anthropic:claude-3-7-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic:claude-3-5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4 },
};

const free: ModelPricing = { inputPerMillion: 0, outputPerMillion: 0 };

export type PriceTable = Readonly<Record<string, ModelPricing>>;

/**
 * The price for a spec: its own `pricing`, else an override keyed by its canonical string or bare
 * model id, else the default table; local and self-hosted models are free. `undefined` means the
 * price is unknown.
 */
export function findPricing(spec: ModelSpec, canonical: string, overrides: PriceTable = {}): ModelPricing | undefined {
  if (spec.pricing !== undefined) return spec.pricing;
  const override = overrides[canonical] ?? overrides[spec.modelId];
  if (override !== undefined) return override;
  if (spec.provider === 'local' || spec.provider === 'ollama' || spec.provider === 'scripted') return free;
  if (spec.provider === 'openai-compatible') return undefined;
  return longestPrefixMatch(overrides, canonical) ?? longestPrefixMatch(defaultPrices, canonical);
}

export function costOf(usage: { inputTokens: number; outputTokens: number }, pricing: ModelPricing | undefined): number {
  if (pricing === undefined) return 0;
  return (usage.inputTokens * pricing.inputPerMillion + usage.outputTokens * pricing.outputPerMillion) / 1_000_000;
}

function longestPrefixMatch(table: PriceTable, key: string): ModelPricing | undefined {
  let best: string | undefined;
  for (const candidate of Object.keys(table)) {
    if (key.startsWith(candidate) && (best === undefined || candidate.length > best.length)) best = candidate;
  }
  return best === undefined ? undefined : table[best];
}
