import type { OperatorRouteCounts, ProposalRouteBook } from '../evolve/engine/proposal-routes.ts';
import type { Library } from '../library/library.ts';
import { readModelRoute, recordCheapOutcomes } from './model-routes.ts';

/**
 * Evolve's cascade routes kept in the library beside learn's: operator `<name>`'s record is the
 * prompt item `model-route-evolve-<name>` (the `evolve-` prefix keeps them apart from a task kind
 * of the same name), in the same JSON record, versioned, shown and rolled back like every route.
 * A run reads them when it starts and adds its own proposals when it ends, one version per
 * operator, with the run in the version's evaluation.
 */
export function evolveRouteKind(operator: string): string {
  return `evolve-${operator.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '')}`;
}

export function libraryRouteBook(library: Library): ProposalRouteBook {
  return {
    async read(operators) {
      const counts: Record<string, OperatorRouteCounts> = {};
      for (const operator of operators) {
        const route = await readModelRoute(library, evolveRouteKind(operator));
        if (route !== undefined) counts[operator] = { cheapAttempts: route.cheapAttempts, cheapFailures: route.cheapFailures };
      }
      return counts;
    },
    async commit(added, provenance) {
      for (const [operator, counts] of Object.entries(added)) {
        await recordCheapOutcomes(library, evolveRouteKind(operator), { attempts: counts.cheapAttempts, failures: counts.cheapFailures }, provenance.routeAfterFailures, {
          trajectoryIds: [],
          evaluation: { origin: 'model-cascade', runId: provenance.runId, operator, proposals: counts.cheapAttempts, failures: counts.cheapFailures },
        });
      }
    },
  };
}
