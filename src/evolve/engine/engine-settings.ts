import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseOrThrow } from '../../core/config-issues.ts';
import type { JsonObject } from '../../core/json.ts';
import { defaultDatabaseSettings, type DatabaseSettings } from '../database/program-database.ts';
import { defaultReflection, type ReflectionSettings } from '../operators/reflective-cases.ts';
import { defaultNovelty, type NoveltySettings } from '../novelty.ts';
import { defaultInspirations, type InspirationSettings } from '../select-inspirations.ts';
import { defaultParentSelection, type ParentSelectionSettings } from '../select-parent.ts';
import type { FeatureDimension } from '../types.ts';
import { defaultNoiseSettings, type NoiseSettings } from './noise-guard.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * The engine's part of `lamarck.json` (`settings`): database shape, selection ratios, novelty,
 * operator weights, concurrency and cadences. Validated here so a wrong value is reported with
 * its dotted field name.
 */
export interface EngineSettings {
  database: DatabaseSettings;
  selection: ParentSelectionSettings;
  inspirations: InspirationSettings;
  novelty: NoveltySettings & { judge: boolean };
  /** Relative operator weights by operator name; operators not named keep their default weight. */
  operatorWeights: Record<string, number>;
  /** `adaptive`: a bandit moves the operator mix towards the operators that improve per call, the
   * weights serving as its prior; `fixed`: operators are drawn by weight alone. */
  operatorMix: 'adaptive' | 'fixed';
  concurrency: {
    /** Model calls (proposals) in flight. */
    proposals: number;
    /** Evaluations in flight. */
    evaluations: number;
    /** Candidates ready or being proposed, at most: the bounded queue between the two. */
    queue: number;
    /**
     * With a seed: candidates proposed ahead of the results applied, at most. Fixed for the run
     * (not derived from the slots), so the same seed gives the same sequence with any slot count.
     */
    window: number;
  };
  /** Unseeded runs: checkpoint the engine state every this many recorded programs (a seeded run checkpoints every one, for an exact resume). */
  checkpointEvery: number;
  /** Refresh insights every this many recorded programs (0: never). */
  insightsEvery: number;
  /** Offer children that crash to the repair operator. */
  repair: boolean;
  /** Stop the run (failed) after this many model calls in a row fail because the model cannot be used (401/403, nothing listening, no model file). */
  unusableModelCalls: number;
  /** A child whose files hold more characters than this is a recorded failure (`program-too-large`), never evaluated. */
  maxProgramChars: number;
  /** Noisy evaluators: repeat evaluations of would-be incumbents (noise-guard.ts). */
  noise: NoiseSettings;
  /** Where the reflective operator finds a parent's failing cases, and how much of them it shows. */
  reflection: ReflectionSettings;
  /** With a strong model to escalate to: the cheap model's failures with one operator before that operator goes to the strong model at once (proposal-routes.ts). */
  routeAfterFailures: number;
}

export const defaultOperatorWeights: Record<string, number> = {
  'llm-diff': 0.6,
  'llm-rewrite': 0.25,
  'llm-crossover': 0.1,
  'numeric-tune': 0.15,
  // Chosen only for a parent whose evaluation reported failing cases (settings.reflection.artifacts).
  'llm-reflect': 0.3,
  repair: 0,
};

/** Seeded runs: four candidates ahead keeps four slots busy while each is proposed from recent results. */
export const defaultSeededWindow = 4;

const fraction = z.number().min(0).max(1);
const positiveInteger = z.number().int().positive();

const settingsSchema = z.strictObject({
  islands: positiveInteger.max(64).optional(),
  populationSize: positiveInteger.optional(),
  /** Alias of populationSize (OpenEvolve's name). */
  population: positiveInteger.optional(),
  archiveSize: positiveInteger.optional(),
  migrationInterval: positiveInteger.optional(),
  migrationRate: fraction.optional(),
  explorationRatio: fraction.optional(),
  exploitationRatio: fraction.optional(),
  fixRatio: fraction.optional(),
  selectionLambda: z.number().positive().optional(),
  inspirations: z.number().int().min(0).max(32).optional(),
  novelty: z
    .strictObject({
      threshold: z.number().min(0).max(1).optional(),
      judge: z.boolean().optional(),
      exemptOperators: z.array(z.string()).optional(),
      stagnationWindow: positiveInteger.optional(),
      stagnationTightening: fraction.optional(),
    })
    .optional(),
  operators: z.record(z.string(), z.number().min(0)).optional(),
  operatorMix: z.enum(['adaptive', 'fixed']).optional(),
  concurrency: z
    .strictObject({ proposals: positiveInteger.optional(), evaluations: positiveInteger.optional(), queue: positiveInteger.optional(), window: positiveInteger.max(64).optional() })
    .optional(),
  checkpointEvery: positiveInteger.optional(),
  insightsEvery: z.number().int().min(0).optional(),
  repair: z.boolean().optional(),
  unusableModelCalls: positiveInteger.optional(),
  maxProgramChars: positiveInteger.optional(),
  noise: z.strictObject({ repeats: z.number().int().min(0).max(16).optional() }).optional(),
  /** A Pareto front over evaluator metrics, e.g. { "success": "maximize", "cost": "minimize" }. */
  objectives: z
    .record(z.string().min(1), z.enum(['maximize', 'minimize'], { error: 'expected "maximize" or "minimize"' }))
    .refine((objectives) => Object.keys(objectives).length >= 2, { error: 'expected at least two metrics (one objective is the combined score)' })
    .optional(),
  frontSize: z.number().int().min(2).max(1024).optional(),
  reflection: z
    .strictObject({
      artifacts: z.array(z.string().min(1)).min(1).optional(),
      maxCases: z.number().int().min(1).max(32).optional(),
      caseChars: z.number().int().min(100).max(20_000).optional(),
    })
    .optional(),
  routeAfterFailures: positiveInteger.optional(),
});

export type EngineSettingsInput = z.input<typeof settingsSchema>;

export function parseEngineSettings(
  raw: JsonObject,
  features: readonly FeatureDimension[],
  overrides: { concurrency?: Partial<EngineSettings['concurrency']> } = {},
): EngineSettings {
  const input = parseOrThrow(settingsSchema, raw, { prefix: ['settings'], source: 'lamarck.json' });
  const evaluations = overrides.concurrency?.evaluations ?? input.concurrency?.evaluations ?? Math.max(1, Math.min(4, availableParallelism()));
  const proposals = overrides.concurrency?.proposals ?? input.concurrency?.proposals ?? Math.max(2, evaluations);
  return {
    database: {
      ...defaultDatabaseSettings,
      features: features.length > 0 ? [...features] : defaultDatabaseSettings.features,
      ...definedOnly({ islands: input.islands, populationSize: input.populationSize ?? input.population }),
      ...definedOnly({ archiveSize: input.archiveSize, migrationInterval: input.migrationInterval, migrationRate: input.migrationRate }),
      objectives: Object.entries(input.objectives ?? {}).map(([metric, goal]) => ({ metric, goal })),
      ...definedOnly({ frontSize: input.frontSize }),
    },
    selection: {
      explorationRatio: input.explorationRatio ?? defaultParentSelection.explorationRatio,
      exploitationRatio: input.exploitationRatio ?? defaultParentSelection.exploitationRatio,
      lambda: input.selectionLambda ?? defaultParentSelection.lambda,
      fixRatio: input.fixRatio ?? defaultParentSelection.fixRatio,
    },
    inspirations: { ...defaultInspirations, ...definedOnly({ count: input.inspirations }) },
    novelty: {
      threshold: input.novelty?.threshold ?? defaultNovelty.threshold,
      exemptOperators: input.novelty?.exemptOperators ?? defaultNovelty.exemptOperators,
      maxComparisons: defaultNovelty.maxComparisons,
      stagnationWindow: input.novelty?.stagnationWindow ?? defaultNovelty.stagnationWindow,
      stagnationTightening: input.novelty?.stagnationTightening ?? defaultNovelty.stagnationTightening,
      judge: input.novelty?.judge ?? false,
    },
    operatorWeights: { ...defaultOperatorWeights, ...input.operators },
    operatorMix: input.operatorMix ?? 'adaptive',
    concurrency: {
      proposals,
      evaluations,
      queue: overrides.concurrency?.queue ?? input.concurrency?.queue ?? Math.max(2, evaluations * 2),
      window: overrides.concurrency?.window ?? input.concurrency?.window ?? defaultSeededWindow,
    },
    checkpointEvery: input.checkpointEvery ?? 10,
    insightsEvery: input.insightsEvery ?? 25,
    repair: input.repair ?? true,
    unusableModelCalls: input.unusableModelCalls ?? 3,
    maxProgramChars: input.maxProgramChars ?? 200_000,
    noise: { repeats: input.noise?.repeats ?? defaultNoiseSettings.repeats },
    reflection: { ...defaultReflection, ...definedOnly({ artifacts: input.reflection?.artifacts, maxCases: input.reflection?.maxCases, caseChars: input.reflection?.caseChars }) },
    routeAfterFailures: input.routeAfterFailures ?? 4,
  };
}
