import { searchFieldNames, type SearchFieldName } from './searchable-fields.ts';

/**
 * The knobs of lexical retrieval. The defaults were fitted on the development split of
 * bench/retrieval-quality (never on its test split) by `node bench/retrieval-quality/tune.ts`.
 */
export interface RetrievalSettings {
  /** BM25F weight of each field. */
  fieldWeights: Record<SearchFieldName, number>;
  /** BM25F length normalization of each field. */
  fieldLengthNormalization: Record<SearchFieldName, number>;
  k1: number;
  /** Stem words (Porter); off only for ablation. */
  stemming: boolean;
}

export const defaultRetrievalSettings: RetrievalSettings = {
  fieldWeights: { name: 1, description: 1.5, triggers: 6, headings: 1, body: 1 },
  fieldLengthNormalization: { name: 0.5, description: 0.75, triggers: 0.5, headings: 0.5, body: 0 },
  k1: 1.2,
  stemming: true,
};

/** Settings with some knobs overridden (nested records merge field by field). */
export function retrievalSettings(overrides: RetrievalSettingsOverrides = {}): RetrievalSettings {
  return {
    ...defaultRetrievalSettings,
    ...overrides,
    fieldWeights: { ...defaultRetrievalSettings.fieldWeights, ...overrides.fieldWeights },
    fieldLengthNormalization: { ...defaultRetrievalSettings.fieldLengthNormalization, ...overrides.fieldLengthNormalization },
  };
}

export type RetrievalSettingsOverrides = Partial<Omit<RetrievalSettings, 'fieldWeights' | 'fieldLengthNormalization'>> & {
  fieldWeights?: Partial<Record<SearchFieldName, number>>;
  fieldLengthNormalization?: Partial<Record<SearchFieldName, number>>;
};

export function fieldVector(record: Record<SearchFieldName, number>): number[] {
  return searchFieldNames.map((field) => record[field]);
}
