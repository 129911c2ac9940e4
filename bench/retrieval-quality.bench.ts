/**
 * Retrieval quality on the evaluation set in bench/retrieval-quality/: top-1, top-3 and mean
 * reciprocal rank of `skills search` on the development splits (used for tuning) and the test
 * splits (never tuned on), beside plain BM25 over the same text; an ablation that turns each
 * signal off; and the learned-trigger curve (accuracy after 0, 10 and 50 outcomes).
 */
import { Random } from '../src/core/random.ts';
import type { SkillContent } from '../src/library/artifact-content.ts';
import type { Library } from '../src/library/library.ts';
import { LibraryIndex } from '../src/library/retrieval/library-index.ts';
import type { RetrievalSettingsOverrides } from '../src/library/retrieval/retrieval-settings.ts';
import { developmentSplits, loadSkillLibrary, loadSplit, loadSplits, measure, testSplits, type Accuracy, type TaskStatement } from './retrieval-quality/evaluation-set.ts';
import { PlainBm25 } from './retrieval-quality/plain-bm25.ts';

const ablations: Record<string, RetrievalSettingsOverrides> = {
  full: {},
  withoutFields: {
    fieldWeights: { name: 1, description: 1, triggers: 1, headings: 1, body: 1 },
    fieldLengthNormalization: { name: 0.75, description: 0.75, triggers: 0.75, headings: 0.75, body: 0.75 },
  },
  withoutStemming: { stemming: false },
  withoutSynonyms: { lexicalExpansion: { queryWeight: 0, unknownWordQueryWeight: 0, documentWeight: 0 } },
  withoutNgrams: { characterNgrams: { weight: 0 } },
  withoutAbbreviations: { abbreviations: { weight: 0 } },
  withoutProgrammingVocabulary: { programmingVocabulary: { weight: 0 } },
  withoutConversionDirection: { conversionDirectionWeight: 0 },
  // Off by default (no gain on the development split): the row says what turning it on does.
  withWordNetDefinitions: { definitions: { queryWeight: 0.2, unknownWordsOnly: false } },
  // The signals ranked apart and fused by reciprocal rank instead of one linear blend (off by default).
  reciprocalRankFusionOfSignals: { signalFusion: { method: 'reciprocal-rank' } },
  // The best of a development grid (k 1–60, typed 0.5–4, blend 0–10): the blend's ranking outvotes the rest.
  reciprocalRankFusionWithBlend: { signalFusion: { method: 'reciprocal-rank', k: 5, typedWeight: 1, blendWeight: 10 } },
  textOnly: {
    lexicalExpansion: { queryWeight: 0, unknownWordQueryWeight: 0, documentWeight: 0 },
    characterNgrams: { weight: 0 },
    abbreviations: { weight: 0 },
    programmingVocabulary: { weight: 0 },
    conversionDirectionWeight: 0,
  },
};

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const library = await loadSkillLibrary();
  const index = await indexFor(library, {});
  const plain = new PlainBm25();
  for (const entry of index.entries()) {
    const skill = entry.content as SkillContent;
    plain.add(entry.name, `${entry.name.replace(/-/g, ' ')}\n${skill.description}\n${skill.body}`);
  }
  const development = loadSplits(developmentSplits);
  const test = loadSplits(testSplits);
  const result: Record<string, unknown> = { skills: index.size };
  const sets: [string, TaskStatement[]][] = [
    ['allDevelopment', development],
    ['allTest', test],
    ...[...developmentSplits, ...testSplits].map((split): [string, TaskStatement[]] => [split, loadSplit(split)]),
  ];
  for (const [name, statements] of sets) {
    result[name] = {
      statements: statements.length,
      lamarck: summary(await measure(statements, ranker(index))),
      plainBm25: summary(await measure(statements, (task) => plain.search(task))),
    };
  }
  const ablation: Record<string, unknown> = {};
  for (const [name, overrides] of Object.entries(ablations)) {
    const ablated = await indexFor(library, overrides);
    ablation[name] = { development: summary(await measure(development, ranker(ablated))), test: summary(await measure(test, ranker(ablated))) };
  }
  result['ablation'] = ablation;
  // The last point is one pass over every development statement: do lessons reach new wordings?
  result['learnedTriggerCurve'] = await learnedTriggerCurve(development, test, quick ? [0, 10] : [0, 10, 50, development.length], quick ? 10 : 50);
  return result;
}

/**
 * Outcomes are development statements in a seeded random order. The agent sees the top three
 * skills and uses the right one when it is among them (the task passes); otherwise it uses the
 * top one and fails. After each count of outcomes: accuracy on the first `repeatCount` statements
 * asked again (repeats; at 0 outcomes, before any learning), on all development statements (the
 * stream's own wordings), and on the test statements (similar tasks in other words).
 */
async function learnedTriggerCurve(development: readonly TaskStatement[], test: readonly TaskStatement[], checkpoints: readonly number[], repeatCount: number): Promise<unknown[]> {
  const library = await loadSkillLibrary();
  const index = await indexFor(library, {});
  const random = new Random(12);
  const stream = [...development];
  for (let position = stream.length - 1; position > 0; position -= 1) {
    const other = random.integer(position + 1);
    [stream[position], stream[other]] = [stream[other]!, stream[position]!];
  }
  const idByName = new Map(index.entries().map((entry) => [entry.name, entry.artifact.id]));
  // The statements the first runs learn from, asked again at every checkpoint (before and after).
  const repeats = stream.slice(0, repeatCount);
  const points: unknown[] = [];
  let learned = 0;
  for (const checkpoint of checkpoints) {
    for (; learned < checkpoint; learned += 1) {
      const statement = stream[learned % stream.length]!;
      const top = (await index.search(statement.task, { kinds: ['skill'], limit: 3 })).map((hit) => hit.entry.name);
      const passed = top.includes(statement.skill);
      const used = passed ? statement.skill : top[0];
      if (used !== undefined) await index.learnFromOutcome(library, { task: statement.task, used: [idByName.get(used)!], passed });
    }
    points.push({
      outcomes: checkpoint,
      repeats: summary(await measure(repeats, ranker(index))),
      development: summary(await measure(development, ranker(index))),
      test: summary(await measure(test, ranker(index))),
    });
  }
  return points;
}

async function indexFor(library: Library, overrides: RetrievalSettingsOverrides): Promise<LibraryIndex> {
  const index = new LibraryIndex({ retrieval: overrides });
  await index.sync(library);
  return index;
}

function ranker(index: LibraryIndex): (task: string) => Promise<string[]> {
  return async (task) => (await index.search(task, { kinds: ['skill'], limit: 10 })).map((hit) => hit.entry.name);
}

function summary(accuracy: Accuracy): Record<string, number> {
  return { top1: accuracy.top1, top3: accuracy.top3, mrr: accuracy.mrr };
}
