import type { ProgramSummary } from '../../store/types.ts';
import type { ProgramRow } from '../api-types.ts';

/** The lean row a list, a table or a tree shows for a program. */
export function programRow(program: ProgramSummary): ProgramRow {
  return {
    id: program.id,
    sequence: program.sequence ?? 0,
    parentId: program.parentId,
    island: program.island,
    generation: program.generation,
    operator: program.operator,
    status: program.status,
    score: program.score,
    failureKind: program.failure?.kind ?? null,
    model: program.model,
    costUsd: program.costUsd,
    tokensIn: program.tokensIn,
    tokensOut: program.tokensOut,
    createdAt: program.createdAt,
    evaluateMs: program.timing.evaluateMs,
  };
}

/** Parses a whole number query parameter within bounds, or the default. */
export function boundedInteger(text: string | undefined, fallback: number, minimum: number, maximum: number): number {
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(maximum, Math.max(minimum, Math.trunc(value)));
}
