import type { ProgramSummary } from '../../store/types.ts';
import type { ProgramPage } from '../api-types.ts';
import { isScored, type RunPrograms } from '../run-programs.ts';
import { programRow } from './program-rows.ts';

/**
 * One page of a run's programs, filtered and sorted on the in-memory index. `view` mirrors the
 * filters users of other evolvers ask for: `top` (scored, best first), `failed` (failed or
 * rejected), `unscored` (no finite score) and `all`.
 */
export interface ProgramListQuery {
  view?: string | undefined;
  status?: string | undefined;
  island?: number | undefined;
  operator?: string | undefined;
  failureKind?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  offset: number;
  limit: number;
}

const sortKeys = ['sequence', 'score', 'generation', 'island', 'costUsd', 'evaluateMs', 'operator', 'status'] as const;

export function listPrograms(index: RunPrograms, query: ProgramListQuery): ProgramPage {
  // Filtered and sorted once per revision; each page is then a slice.
  const key = `programs:${JSON.stringify([query.view, query.status, query.island, query.operator, query.failureKind, query.sort, query.order])}`;
  const sorted = index.memo(key, () => filterAndSort(index, query));
  return {
    programs: sorted.slice(query.offset, query.offset + query.limit).map(programRow),
    total: sorted.length,
    offset: query.offset,
    limit: query.limit,
  };
}

function filterAndSort(index: RunPrograms, query: ProgramListQuery): ProgramSummary[] {
  const matches = index.programs.filter((program) => matchesView(program, query.view) && matchesFilters(program, query));
  const key = (sortKeys as readonly string[]).includes(query.sort ?? '') ? query.sort! : query.view === 'top' ? 'score' : 'sequence';
  const direction = (query.order ?? (key === 'score' ? 'desc' : 'asc')) === 'desc' ? -1 : 1;
  const value = (program: ProgramSummary): number | string | null => {
    switch (key) {
      case 'score':
        return isScored(program) ? program.score : null;
      case 'generation':
        return program.generation;
      case 'island':
        return program.island;
      case 'costUsd':
        return program.costUsd;
      case 'evaluateMs':
        return program.timing.evaluateMs;
      case 'operator':
        return program.operator;
      case 'status':
        return program.status;
      default:
        return program.sequence ?? 0;
    }
  };
  return key === 'sequence' && direction === 1 ? matches : matches.sort((left, right) => compare(value(left), value(right), direction) || (left.sequence ?? 0) - (right.sequence ?? 0));
}

function matchesView(program: ProgramSummary, view: string | undefined): boolean {
  switch (view) {
    case 'top':
      return isScored(program);
    case 'failed':
      return program.status !== 'evaluated';
    case 'unscored':
      return !isScored(program);
    default:
      return true;
  }
}

function matchesFilters(program: ProgramSummary, query: ProgramListQuery): boolean {
  if (query.status !== undefined && program.status !== query.status) return false;
  if (query.island !== undefined && program.island !== query.island) return false;
  if (query.operator !== undefined && program.operator !== query.operator) return false;
  if (query.failureKind !== undefined && program.failure?.kind !== query.failureKind) return false;
  return true;
}

/** Nulls last in either direction. */
function compare(left: number | string | null, right: number | string | null, direction: number): number {
  if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
  if (typeof left === 'number' && typeof right === 'number') return direction * (left - right);
  return direction * String(left).localeCompare(String(right));
}
