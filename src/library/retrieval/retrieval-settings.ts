import { searchFieldNames, type SearchFieldName } from './searchable-fields.ts';

/**
 * The knobs of lexical retrieval. The defaults were fitted on the development splits of
 * bench/retrieval-quality (never on its test splits) by `npx node bench/retrieval-quality/tune.ts`.
 */
export interface RetrievalSettings {
  /** BM25F weight of each field. */
  fieldWeights: Record<SearchFieldName, number>;
  /** BM25F length normalization of each field. */
  fieldLengthNormalization: Record<SearchFieldName, number>;
  k1: number;
  /** Stem words (Porter); off only for ablation. */
  stemming: boolean;
  /** Related words from WordNet (synonyms, hypernyms, derived forms). */
  lexicalExpansion: {
    /** Weight of a related word in a query, relative to a word the user typed (0: off). */
    queryWeight: number;
    /** The same, for a typed word the library never uses (its relatives are the only way in). */
    unknownWordQueryWeight: number;
    /** BM25F weight of the field holding words related to the name, description and triggers (0: off). */
    documentWeight: number;
    /** A document gets related words of at least this strength (1: synonyms of the commonest sense). */
    documentMinimum: number;
    senses: number;
    /** Words with more senses than this are not expanded (too ambiguous). */
    maximumPolysemy: number;
    hypernymWeight: number;
    derivationWeight: number;
  };
  /** Spelling variants by character trigrams. */
  characterNgrams: {
    /** Weight of a similarly spelled library word in a query (0: off). */
    weight: number;
    /** Least trigram overlap (Dice) for a word to count as a variant. */
    minimumSimilarity: number;
    /** Most variants taken per query word (the most similar). */
    maximumVariants: number;
  };
  /** Abbreviations: a query word the library lacks that begins library words ("cert" → "certificate"). */
  abbreviations: {
    /** Weight of a completed word in a query (0: off). */
    weight: number;
    /** Most completions taken per word (the shortest). */
    maximumCompletions: number;
  };
  /** Words of WordNet's definitions (glosses) of the query's words, and of the documents' leading words. */
  definitions: {
    /** Weight of a definition word in a query (0: off). */
    queryWeight: number;
    /** Only words the library never uses have their definitions searched. */
    unknownWordsOnly: boolean;
    /** Weight, in the related field, of definition words of an item's name, description and triggers (0: off). */
    documentWeight: number;
  };
  /** Words from the programming-vocabulary thesaurus (programming-vocabulary.ts). */
  programmingVocabulary: {
    /** Weight of a thesaurus word in a query, for a typed word the library never uses (0: off). */
    weight: number;
    /**
     * Factor on that weight for a typed word the library does use: such a word already finds
     * its items, and its fellows mostly reach the neighbours ("merge" → "conflict").
     */
    knownWordFactor: number;
  };
  /**
   * Share of a converter's score ("csv-to-json") gained when the query names its source before its
   * target, and lost when the other way round (0: off).
   */
  conversionDirectionWeight: number;
  /** Scale of the adjustment from triggers learned from outcomes (0: ignore them). */
  learnedTriggerWeight: number;
  /**
   * How the signals combine: 'linear' scores every query term in one weighted BM25F query;
   * 'reciprocal-rank' ranks the items by each signal's terms alone (typed words, WordNet
   * relatives, thesaurus fellows, abbreviations, spelling variants, definition words) and fuses
   * the rankings by reciprocal rank, the typed words' ranking (with learned triggers) counting
   * `typedWeight` times and the linear blend's `blendWeight` times (0: signals only).
   */
  signalFusion: { method: 'linear' | 'reciprocal-rank'; k: number; typedWeight: number; blendWeight: number };
}

export const defaultRetrievalSettings: RetrievalSettings = {
  fieldWeights: { name: 1, description: 1.5, triggers: 6, headings: 1, body: 1 },
  fieldLengthNormalization: { name: 0.5, description: 0.75, triggers: 0.5, headings: 0.5, body: 0 },
  k1: 1.2,
  stemming: true,
  lexicalExpansion: { queryWeight: 0.3, unknownWordQueryWeight: 0.3, documentWeight: 0, documentMinimum: 0.5, senses: 2, maximumPolysemy: 3, hypernymWeight: 0.5, derivationWeight: 0 },
  characterNgrams: { weight: 0.1, minimumSimilarity: 0.6, maximumVariants: 4 },
  abbreviations: { weight: 0.3, maximumCompletions: 2 },
  definitions: { queryWeight: 0, unknownWordsOnly: true, documentWeight: 0 },
  programmingVocabulary: { weight: 0.5, knownWordFactor: 0.2 },
  conversionDirectionWeight: 0.1,
  learnedTriggerWeight: 1,
  signalFusion: { method: 'linear', k: 60, typedWeight: 1, blendWeight: 0 },
};

export type RetrievalSettingsOverrides = {
  [Key in keyof RetrievalSettings]?: RetrievalSettings[Key] extends number | boolean | string ? RetrievalSettings[Key] : Partial<RetrievalSettings[Key]>;
};

/** Settings with some knobs overridden (nested records merge key by key). */
export function retrievalSettings(overrides: RetrievalSettingsOverrides = {}): RetrievalSettings {
  const base = defaultRetrievalSettings;
  return {
    fieldWeights: { ...base.fieldWeights, ...overrides.fieldWeights },
    fieldLengthNormalization: { ...base.fieldLengthNormalization, ...overrides.fieldLengthNormalization },
    k1: overrides.k1 ?? base.k1,
    stemming: overrides.stemming ?? base.stemming,
    lexicalExpansion: { ...base.lexicalExpansion, ...overrides.lexicalExpansion },
    characterNgrams: { ...base.characterNgrams, ...overrides.characterNgrams },
    abbreviations: { ...base.abbreviations, ...overrides.abbreviations },
    definitions: { ...base.definitions, ...overrides.definitions },
    programmingVocabulary: { ...base.programmingVocabulary, ...overrides.programmingVocabulary },
    conversionDirectionWeight: overrides.conversionDirectionWeight ?? base.conversionDirectionWeight,
    learnedTriggerWeight: overrides.learnedTriggerWeight ?? base.learnedTriggerWeight,
    signalFusion: { ...base.signalFusion, ...overrides.signalFusion },
  };
}

export function fieldVector(record: Record<SearchFieldName, number>): number[] {
  return searchFieldNames.map((field) => record[field]);
}
