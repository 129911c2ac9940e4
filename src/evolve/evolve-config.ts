import { z } from 'zod';
import type { LamarckConfig } from '../core/config.ts';
import { parseOrThrow } from '../core/config-issues.ts';
import { definedOnly } from '../core/defined-only.ts';
import type { EvolveOptions } from './evolve.ts';

/**
 * The `evolve` section of lamarck.config.json: defaults for every `lamarck evolve` run in this
 * directory, each overridden by its command-line flag. Unknown keys are refused (`evolve.iterationz:
 * unknown key`), so a typo never passes silently.
 */
const positiveInteger = z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
const positiveNumber = z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });

export const evolveConfigSchema = z.strictObject({
  /** Child attempts in the whole run (`--iterations`). */
  iterations: positiveInteger.optional(),
  /** Random seed (`--seed`). */
  seed: z.number({ error: 'expected an integer' }).int({ error: 'expected an integer' }).optional(),
  /** Stop starting new attempts after this many seconds (`--wall-time`). */
  wallTimeSeconds: positiveNumber.optional(),
  /** Evaluations and model calls in flight at once (`--evaluations`, `--proposals`). */
  concurrency: z.strictObject({ evaluations: positiveInteger.optional(), proposals: positiveInteger.optional() }).optional(),
});

export type EvolveConfig = z.output<typeof evolveConfigSchema>;

export function parseEvolveConfig(value: unknown, source?: string): EvolveConfig {
  return parseOrThrow(evolveConfigSchema, value ?? {}, { prefix: ['evolve'], source });
}

/** What the command line can say about a run; absent means "as configured". */
export interface EvolveRunFlags {
  iterations?: number | undefined;
  seed?: number | undefined;
  budgetUsd?: number | undefined;
  budgetTokens?: number | undefined;
  wallTimeSeconds?: number | undefined;
  evaluations?: number | undefined;
  proposals?: number | undefined;
}

/**
 * The run options of one evolve run, in one place for the CLI and for library callers who load
 * the configuration themselves: a flag wins over the `evolve` section, and the budget falls back to
 * the configuration's `budget` (which `LAMARCK_BUDGET_USD` has already overridden), as `lamarck run`
 * and `lamarck learn` do.
 */
export function evolveRunOptions(config: LamarckConfig, flags: EvolveRunFlags = {}): Pick<EvolveOptions, 'iterations' | 'seed' | 'budget' | 'concurrency'> {
  const section = parseEvolveConfig(config.evolve, config.source);
  const usd = flags.budgetUsd ?? config.budget.maxUsd;
  const tokens = flags.budgetTokens ?? config.budget.maxTokens;
  const calls = config.budget.maxCalls;
  const wallTimeSeconds = flags.wallTimeSeconds ?? section.wallTimeSeconds;
  const evaluations = flags.evaluations ?? section.concurrency?.evaluations;
  const proposals = flags.proposals ?? section.concurrency?.proposals;
  const iterations = flags.iterations ?? section.iterations;
  const seed = flags.seed ?? section.seed;
  const budget = definedOnly({ usd, tokens, calls, wallTimeMs: wallTimeSeconds === undefined ? undefined : wallTimeSeconds * 1000 });
  const concurrency = definedOnly({ evaluations, proposals });
  return {
    ...definedOnly({ iterations, seed }),
    ...(Object.keys(budget).length === 0 ? {} : { budget }),
    ...(Object.keys(concurrency).length === 0 ? {} : { concurrency }),
  };
}
