import { ConfigError } from '../core/errors.ts';
import type { EnsembleMember, LanguageModelClient } from './types.ts';

/**
 * Several models with weights, for loops that mix a cheap fast model with a strong slow one
 * (AlphaEvolve's and OpenEvolve's ensembles). `pick` draws one in proportion to its weight.
 */
export interface ModelEnsemble {
  readonly members: readonly EnsembleMember[];
  /** `random` is a float in [0, 1); pass `() => rng.next()` from a seeded Random for reproducible runs. */
  pick(random?: () => number): LanguageModelClient;
  /** The member with the largest weight, for calls that want the "main" model. */
  primary(): LanguageModelClient;
}

export function createEnsemble(members: readonly EnsembleMember[]): ModelEnsemble {
  if (members.length === 0) throw new ConfigError('models', 'expected at least one model in the ensemble');
  members.forEach((member, index) => {
    if (!(member.weight > 0) || !Number.isFinite(member.weight)) {
      throw new ConfigError(`models.${index}.weight`, `expected a positive number, got ${JSON.stringify(member.weight)}`);
    }
  });
  const frozen = members.map((member) => ({ ...member }));
  const total = frozen.reduce((sum, member) => sum + member.weight, 0);
  return {
    members: frozen,
    pick(random = Math.random) {
      let target = random() * total;
      for (const member of frozen) {
        target -= member.weight;
        if (target < 0) return member.model;
      }
      return frozen.at(-1)!.model;
    },
    primary() {
      return frozen.reduce((best, member) => (member.weight > best.weight ? member : best)).model;
    },
  };
}
