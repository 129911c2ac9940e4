/**
 * Fits the retrieval knobs on the development splits only (coordinate ascent over a grid per
 * knob, a few rounds), and prints the best settings found with their development figures. The
 * test splits are never read here.
 *
 *   npx node bench/retrieval-quality/tune.ts
 */
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { retrievalSettings, type RetrievalSettings, type RetrievalSettingsOverrides } from '../../src/library/retrieval/retrieval-settings.ts';
import { developmentSplits, loadSkillLibrary, loadSplits, measure } from './evaluation-set.ts';

interface Knob {
  name: string;
  values: readonly number[];
  apply(settings: RetrievalSettings, value: number): RetrievalSettings;
}

const fieldKnobs = (['name', 'description', 'triggers', 'headings', 'body'] as const).flatMap((field): Knob[] => [
  {
    name: `weight.${field}`,
    values: [0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6],
    apply: (settings, value) => ({ ...settings, fieldWeights: { ...settings.fieldWeights, [field]: value } }),
  },
  {
    name: `b.${field}`,
    values: [0, 0.25, 0.5, 0.75, 1],
    apply: (settings, value) => ({ ...settings, fieldLengthNormalization: { ...settings.fieldLengthNormalization, [field]: value } }),
  },
]);

function expansionKnob(key: keyof RetrievalSettings['lexicalExpansion'], values: readonly number[]): Knob {
  return { name: `expansion.${key}`, values, apply: (settings, value) => ({ ...settings, lexicalExpansion: { ...settings.lexicalExpansion, [key]: value } }) };
}

function ngramKnob(key: keyof RetrievalSettings['characterNgrams'], values: readonly number[]): Knob {
  return { name: `ngrams.${key}`, values, apply: (settings, value) => ({ ...settings, characterNgrams: { ...settings.characterNgrams, [key]: value } }) };
}

function groupKnob<Group extends 'abbreviations' | 'definitions' | 'programmingVocabulary'>(group: Group, key: keyof RetrievalSettings[Group], values: readonly number[]): Knob {
  return { name: `${group}.${String(key)}`, values, apply: (settings, value) => ({ ...settings, [group]: { ...settings[group], [key]: value } }) };
}

const knobs: Knob[] = [
  expansionKnob('queryWeight', [0, 0.1, 0.2, 0.3, 0.5, 0.7]),
  expansionKnob('unknownWordQueryWeight', [0, 0.1, 0.2, 0.3, 0.5, 0.7]),
  groupKnob('abbreviations', 'weight', [0, 0.1, 0.3, 0.5, 1]),
  groupKnob('abbreviations', 'maximumCompletions', [1, 2, 4]),
  groupKnob('definitions', 'queryWeight', [0, 0.1, 0.2, 0.4]),
  groupKnob('programmingVocabulary', 'weight', [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1]),
  groupKnob('programmingVocabulary', 'knownWordFactor', [0, 0.1, 0.2, 0.3, 0.5, 1]),
  expansionKnob('documentWeight', [0, 0.25, 0.5, 1, 2]),
  expansionKnob('documentMinimum', [0.25, 0.5, 0.7, 1]),
  expansionKnob('senses', [1, 2, 3]),
  expansionKnob('maximumPolysemy', [1, 2, 3, 4, 6, 10]),
  expansionKnob('hypernymWeight', [0, 0.25, 0.5, 1]),
  expansionKnob('derivationWeight', [0, 0.35, 0.7, 1]),
  ngramKnob('weight', [0, 0.1, 0.2, 0.3, 0.5]),
  ngramKnob('minimumSimilarity', [0.5, 0.6, 0.7, 0.8]),
  ...fieldKnobs,
  { name: 'conversionDirectionWeight', values: [0, 0.05, 0.1, 0.2, 0.3], apply: (settings, value) => ({ ...settings, conversionDirectionWeight: value }) },
  { name: 'k1', values: [0.6, 0.9, 1.2, 1.6, 2.2], apply: (settings, value) => ({ ...settings, k1: value }) },
];

const library = await loadSkillLibrary();
const statements = loadSplits(developmentSplits);

async function objective(settings: RetrievalSettings): Promise<{ value: number; top1: number; top3: number; mrr: number }> {
  const index = new LibraryIndex({ retrieval: settings as RetrievalSettingsOverrides });
  await index.sync(library);
  const accuracy = await measure(statements, async (task) => (await index.search(task, { kinds: ['skill'], limit: 10 })).map((hit) => hit.entry.name));
  // Top-1 first, top-3 and the mean reciprocal rank break ties between equally accurate settings.
  return { value: accuracy.top1 + 0.5 * accuracy.top3 + 0.25 * accuracy.mrr, top1: accuracy.top1, top3: accuracy.top3, mrr: accuracy.mrr };
}

let best = retrievalSettings();
let bestScore = await objective(best);
console.log('start', bestScore);
for (let round = 0; round < 3; round += 1) {
  let improved = false;
  for (const knob of knobs) {
    for (const value of knob.values) {
      const candidate = knob.apply(best, value);
      const score = await objective(candidate);
      if (score.value > bestScore.value + 1e-9) {
        best = candidate;
        bestScore = score;
        improved = true;
        console.log(`round ${round} ${knob.name}=${value}`, score);
      }
    }
  }
  if (!improved) break;
}
console.log(JSON.stringify({ settings: best, development: bestScore }, null, 2));
