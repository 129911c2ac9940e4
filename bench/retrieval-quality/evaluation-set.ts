/**
 * Loads the retrieval evaluation set (skills in Agent Skills format plus task statements with the
 * skill that fits each) into a library, and scores a ranking function against a split.
 */
import { readFileSync } from 'node:fs';
import { Library } from '../../src/library/library.ts';
import { importSkills } from '../../src/library/skill-folders.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';

export const evaluationRoot = new URL('./', import.meta.url);

export interface TaskStatement {
  task: string;
  skill: string;
}

export type SplitName = 'dev' | 'test' | 'dev-paraphrase' | 'test-paraphrase';

/** The tuning data and the held-back data: each is the plain split plus its paraphrase split. */
export const developmentSplits: readonly SplitName[] = ['dev', 'dev-paraphrase'];
export const testSplits: readonly SplitName[] = ['test', 'test-paraphrase'];

export function loadSplits(splits: readonly SplitName[]): TaskStatement[] {
  return splits.flatMap((split) => loadSplit(split));
}

export function loadSplit(split: SplitName): TaskStatement[] {
  const parsed = JSON.parse(readFileSync(new URL(`./${split}.json`, evaluationRoot), 'utf8')) as { statements: TaskStatement[] };
  return parsed.statements;
}

/** A library in memory holding every skill of the set, active. */
export async function loadSkillLibrary(): Promise<Library> {
  const library = new Library({ store: createMemoryStore() });
  const report = await importSkills(library, new URL('./skills', evaluationRoot).pathname);
  if (report.added.length === 0) throw new Error('the evaluation set has no skills');
  return library;
}

export interface Accuracy {
  statements: number;
  top1: number;
  top3: number;
  /** Mean reciprocal rank over the first ten results. */
  mrr: number;
  /** Statements whose skill was not ranked first, with what was. */
  misses: { task: string; expected: string; got: string[] }[];
}

/** Scores a ranker: `rank` returns skill names, best first. */
export async function measure(statements: readonly TaskStatement[], rank: (task: string) => Promise<string[]> | string[]): Promise<Accuracy> {
  let top1 = 0;
  let top3 = 0;
  let reciprocal = 0;
  const misses: Accuracy['misses'] = [];
  for (const statement of statements) {
    const names = (await rank(statement.task)).slice(0, 10);
    const position = names.indexOf(statement.skill);
    if (position === 0) top1 += 1;
    else misses.push({ task: statement.task, expected: statement.skill, got: names.slice(0, 3) });
    if (position >= 0 && position < 3) top3 += 1;
    if (position >= 0) reciprocal += 1 / (position + 1);
  }
  const count = statements.length;
  return { statements: count, top1: round(top1 / count), top3: round(top3 / count), mrr: round(reciprocal / count), misses };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
