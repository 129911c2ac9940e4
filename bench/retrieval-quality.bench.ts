/**
 * Retrieval quality on the evaluation set in bench/retrieval-quality/: top-1, top-3 and mean
 * reciprocal rank of `skills search` on the development split (used for tuning) and the test split
 * (never tuned on), beside plain BM25 over the same text.
 */
import type { SkillContent } from '../src/library/artifact-content.ts';
import { LibraryIndex } from '../src/library/retrieval/library-index.ts';
import { developmentSplits, loadSkillLibrary, loadSplit, loadSplits, measure, testSplits, type Accuracy, type TaskStatement } from './retrieval-quality/evaluation-set.ts';
import { PlainBm25 } from './retrieval-quality/plain-bm25.ts';

export async function run(): Promise<Record<string, unknown>> {
  const library = await loadSkillLibrary();
  const index = new LibraryIndex();
  await index.sync(library);
  const plain = new PlainBm25();
  for (const entry of index.entries()) {
    const skill = entry.content as SkillContent;
    plain.add(entry.name, `${entry.name.replace(/-/g, ' ')}\n${skill.description}\n${skill.body}`);
  }
  const lamarck = async (task: string): Promise<string[]> => (await index.search(task, { kinds: ['skill'], limit: 10 })).map((hit) => hit.entry.name);
  const result: Record<string, unknown> = { skills: index.size };
  const sets: [string, TaskStatement[]][] = [
    ['allDevelopment', loadSplits(developmentSplits)],
    ['allTest', loadSplits(testSplits)],
    ...[...developmentSplits, ...testSplits].map((split): [string, TaskStatement[]] => [split, loadSplit(split)]),
  ];
  for (const [name, statements] of sets) {
    result[name] = {
      statements: statements.length,
      lamarck: summary(await measure(statements, lamarck)),
      plainBm25: summary(await measure(statements, (task) => plain.search(task))),
    };
  }
  return result;
}

function summary(accuracy: Accuracy): Record<string, number> {
  return { top1: accuracy.top1, top3: accuracy.top3, mrr: accuracy.mrr };
}
