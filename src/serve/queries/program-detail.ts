import { unifiedDiff } from '../../core/text-diff.ts';
import type { ProgramRecord, RunRecord, Store } from '../../store/types.ts';
import type { ProgramDetail } from '../api-types.ts';
import type { RunPrograms, RunProgramsCache } from '../run-programs.ts';
import { failureEvidence } from './failures.ts';
import { ancestorsOf } from './lineage-tree.ts';
import type { Population } from './population-view.ts';
import { programRow } from './program-rows.ts';

/** Children listed on a program's page; a program with more links to the run's filtered list. */
const childrenShown = 200;

/**
 * Everything the Program page shows: the record (code, metrics, artifacts, prompt and reply), its
 * failure evidence, diffs against its parent and against the run's initial program, and its
 * parent, inspirations and children as rows to link to.
 */
export async function programDetail(
  store: Store,
  cache: RunProgramsCache,
  programId: string,
  populationOf: (run: RunRecord, index: RunPrograms) => Promise<Population>,
): Promise<ProgramDetail | undefined> {
  const program = await store.getProgram(programId);
  if (program === undefined) return undefined;
  const [run, index] = await Promise.all([store.getRun(program.runId), cache.get(program.runId)]);
  const parent = program.parentId === null ? undefined : await store.getProgram(program.parentId);
  const initialSummary = ancestorsOf(index, program.id)[0];
  const initial = initialSummary === undefined || initialSummary.id === program.id ? undefined : await store.getProgram(initialSummary.id);
  const children = index.childrenOf(program.id);
  const population = run === undefined || run.kind !== 'evolve' ? undefined : await populationOf(run, index);
  const scored = program.status === 'evaluated' && typeof program.score === 'number' && Number.isFinite(program.score);
  return {
    program: { ...program, evidence: program.status === 'evaluated' ? null : failureEvidence(program) },
    run: run === undefined ? null : { id: run.id, name: run.name, kind: run.kind },
    parent: parent === undefined ? null : programRow(parent),
    inspirations: program.inspirationIds.map((id) => index.get(id)).filter((item) => item !== undefined).map(programRow),
    children: children.slice(0, childrenShown).map(programRow),
    childCount: children.length,
    diffToParent: parent === undefined ? null : filesDiff(parent, program, 'parent'),
    diffToInitial: initial === undefined ? null : filesDiff(initial, program, 'initial'),
    initialId: initialSummary?.id ?? null,
    ghost: ghostState(scored, population?.contains(program.id)),
  };
}

/** Evicted: evaluated and not in the population; null while the population has not been rebuilt. */
function ghostState(scored: boolean, member: boolean | undefined): boolean | null {
  if (!scored) return false;
  return member === undefined ? null : !member;
}

/** A unified diff over every file of two programs (files only on one side show as added or removed). */
export function filesDiff(before: Pick<ProgramRecord, 'files'>, after: Pick<ProgramRecord, 'files'>, label: string): string {
  const paths = [...new Set([...Object.keys(before.files), ...Object.keys(after.files)])].sort();
  return paths
    .map((path) => unifiedDiff(before.files[path] ?? '', after.files[path] ?? '', { fromLabel: `${label}/${path}`, toLabel: `this/${path}` }))
    .filter((diff) => diff !== '')
    .join('');
}
