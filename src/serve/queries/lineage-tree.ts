import type { ProgramSummary } from '../../store/types.ts';
import type { TreeNode, TreeSlice } from '../api-types.ts';
import type { RunPrograms } from '../run-programs.ts';
import type { Population } from './population-view.ts';

/**
 * A slice of the lineage tree, loaded lazily: breadth first from `rootId` (or the run's roots) to
 * `depth` levels and at most `limit` nodes, plus the ancestors of the best program (and of `focus`)
 * so the winning lineage is always drawn. A node whose children were not all loaded is listed in
 * `truncated`; the page asks for it again as a root when the user expands it. Every stored program
 * is a node, so a parent evicted from the population is still there, marked as a ghost.
 */
export interface TreeQuery {
  rootId?: string | undefined;
  focusId?: string | undefined;
  depth: number;
  limit: number;
}

export function lineageSlice(index: RunPrograms, population: Population | undefined, query: TreeQuery): TreeSlice {
  const best = index.best();
  const chosen = new Map<string, ProgramSummary>();
  const start = query.rootId === undefined ? index.roots() : [index.get(query.rootId)].filter((program) => program !== undefined);
  let frontier = start;
  for (let level = 0; level <= query.depth && frontier.length > 0; level += 1) {
    const next: ProgramSummary[] = [];
    for (const program of frontier) {
      if (chosen.size >= query.limit) break;
      chosen.set(program.id, program);
      if (level < query.depth) next.push(...index.childrenOf(program.id));
    }
    frontier = next;
  }
  if (query.rootId === undefined) {
    for (const target of [best?.id, query.focusId]) {
      if (target === undefined) continue;
      for (const ancestor of ancestorsOf(index, target)) {
        chosen.set(ancestor.id, ancestor);
      }
    }
  }
  const nodes = [...chosen.values()].map((program) => treeNode(index, population, program, best?.id));
  const loadedChildren = new Map<string, number>();
  for (const node of nodes) if (node.parentId !== null) loadedChildren.set(node.parentId, (loadedChildren.get(node.parentId) ?? 0) + 1);
  const truncated = nodes.filter((node) => node.childCount > (loadedChildren.get(node.id) ?? 0)).map((node) => node.id);
  return { total: index.size, nodes, truncated, rootIds: start.map((program) => program.id) };
}

/** The chain from a program up to its root, root first. */
export function ancestorsOf(index: RunPrograms, programId: string): ProgramSummary[] {
  const chain: ProgramSummary[] = [];
  const seen = new Set<string>();
  let current = index.get(programId);
  while (current !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    chain.push(current);
    current = current.parentId === null ? undefined : index.get(current.parentId);
  }
  return chain.reverse();
}

function treeNode(index: RunPrograms, population: Population | undefined, program: ProgramSummary, bestId: string | undefined): TreeNode {
  const scored = program.status === 'evaluated' && typeof program.score === 'number' && Number.isFinite(program.score);
  return {
    id: program.id,
    parentId: program.parentId,
    sequence: program.sequence ?? 0,
    generation: program.generation,
    island: program.island,
    operator: program.operator,
    status: program.status,
    score: program.score,
    failureKind: program.failure?.kind ?? null,
    childCount: index.childCount(program.id),
    best: program.id === bestId,
    ghost: scored && population?.contains(program.id) === false,
  };
}
