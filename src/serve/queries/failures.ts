import { isJsonObject } from '../../core/json.ts';
import type { ProgramRecord, Store } from '../../store/types.ts';
import type { FailureRow, FailureReport } from '../api-types.ts';
import type { RunPrograms } from '../run-programs.ts';

/**
 * Failed and rejected attempts of a run, counted by kind, and one page of them with their
 * evidence: the failure record as stored (every field it has, so evidence added by the evaluator
 * (exit code, signal, stage, stderr tail) shows up as soon as it is recorded) and the end of the
 * evaluator's stderr from the artifacts. Only the page's records are read in full.
 */
export const stderrTailCharacters = 2000;

export async function failureReport(
  store: Store,
  index: RunPrograms,
  query: { kind?: string | undefined; offset: number; limit: number },
): Promise<FailureReport> {
  const counts = new Map<string, { kind: string; status: string; count: number }>();
  const matching: string[] = [];
  for (const program of index.programs) {
    if (program.status === 'evaluated') continue;
    const kind = program.failure?.kind ?? program.status;
    const key = `${program.status}\u0000${kind}`;
    const entry = counts.get(key) ?? { kind, status: program.status, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
    if (query.kind === undefined || query.kind === kind) matching.push(program.id);
  }
  // Newest first: the failures a user watching a run wants to see.
  matching.reverse();
  const page = matching.slice(query.offset, query.offset + query.limit);
  const records = await Promise.all(page.map((id) => store.getProgram(id)));
  return {
    byKind: [...counts.values()].sort((left, right) => right.count - left.count || left.kind.localeCompare(right.kind)),
    total: matching.length,
    items: records.filter((record): record is ProgramRecord => record !== undefined).map(failureEvidence),
    offset: query.offset,
    limit: query.limit,
  };
}

export function failureEvidence(record: ProgramRecord): FailureRow {
  const failure = (record.failure ?? null) as Record<string, unknown> | null;
  const artifacts = record.artifacts;
  const fromFailure = (name: string): unknown => (failure !== null && failure[name] !== undefined ? failure[name] : undefined);
  const stderr = fromFailure('stderrTail') ?? fromFailure('stderr') ?? artifacts['stderr'] ?? artifacts['stderr_tail'];
  return {
    id: record.id,
    sequence: record.sequence ?? 0,
    status: record.status,
    operator: record.operator,
    parentId: record.parentId,
    failure,
    stderrTail: typeof stderr === 'string' ? tail(stderr, stderrTailCharacters) : null,
    exitCode: fromFailure('exitCode') ?? artifacts['exit_code'] ?? artifacts['exitCode'] ?? null,
    signal: fromFailure('signal') ?? artifacts['signal'] ?? null,
    stage: fromFailure('stage') ?? artifacts['cascade_stage'] ?? (isJsonObject(record.metrics) ? (record.metrics['cascade_stage'] ?? null) : null),
  };
}

export function tail(text: string, characters: number): string {
  return text.length <= characters ? text : `…${text.slice(text.length - characters)}`;
}
