import { z } from 'zod';
import { parseOrThrow } from '../core/config-issues.ts';

/**
 * The `learn` section of lamarck.config.json. Every field has a default, so `{}` is a valid
 * configuration; an invalid value is a ConfigError naming `learn.<field>`.
 */
export const learnConfigSchema = z
  .object({
    /** Hard cap on tokens of skills and lessons injected per task. */
    tokenBudget: z.number().int().positive().default(1200),
    /** Most skills and lessons injected per task (fewer when the best match is sharp). */
    maxItems: z.number().int().positive().max(50).default(8),
    /** Plain-file mirror of the library, relative to the working directory; false for none. */
    mirror: z.union([z.string().min(1), z.literal(false)]).default('.lamarck/library'),
    gate: z
      .object({
        /** `no-drop`: held-out score with the proposal >= without; `improve`: >; `min-delta`: >= without + minDelta. */
        rule: z.enum(['no-drop', 'improve', 'min-delta']).default('no-drop'),
        minDelta: z.number().min(-1).max(1).default(0),
        /** Held-out tasks tried per proposal (from the `holdout` split, else a sample of earlier tasks). */
        holdoutSize: z.number().int().min(0).max(100).default(3),
        /** A JSONL task file of safety probes; a proposal that makes one fail is rejected. */
        probes: z.string().min(1).optional(),
      })
      .strict()
      .default({ rule: 'no-drop', minDelta: 0, holdoutSize: 3 }),
    /** Consolidate related attempts into one skill every this many tasks; 0 turns it off. */
    consolidateEvery: z.number().int().min(0).default(5),
    curation: z
      .object({
        mergePercentile: z.number().min(0).max(1).default(0.9),
        mergeFallback: z.number().min(0).max(1).default(0.8),
        retireAfterUses: z.number().int().positive().default(5),
        retireBelowUtility: z.number().min(0).max(1).default(0.3),
        maxLivePerKind: z.number().int().positive().default(200),
      })
      .strict()
      .default({ mergePercentile: 0.9, mergeFallback: 0.8, retireAfterUses: 5, retireBelowUtility: 0.3, maxLivePerKind: 200 }),
    /** The model cascade (`--escalate` or `escalate` in the model section names the strong model). */
    escalation: z
      .object({
        /** A critic's passing score under this sends the attempt to the strong model (low confidence). */
        minConfidence: z.number().min(0).max(1).default(0.7),
        /** Cheap failures on one kind of task (its first tag) before that kind goes straight to the strong model. */
        routeAfterFailures: z.number().int().positive().default(2),
      })
      .strict()
      .default({ minConfidence: 0.7, routeAfterFailures: 2 }),
    /** Agent steps per attempt. */
    maxSteps: z.number().int().positive().max(200).default(12),
    /** Seed for sampling held-out tasks. */
    seed: z.number().int().default(1),
  })
  .strict();

export type LearnConfig = z.infer<typeof learnConfigSchema>;

export function parseLearnConfig(value: unknown, source?: string): LearnConfig {
  return parseOrThrow(learnConfigSchema, value ?? {}, { prefix: ['learn'], source });
}
