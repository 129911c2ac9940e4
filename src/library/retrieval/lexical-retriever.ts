import type { ContentByKind, LibraryKind } from '../artifact-content.ts';
import { FieldedBm25Index, type ScoredSlot } from './fielded-bm25-index.ts';
import { fieldVector, type RetrievalSettings } from './retrieval-settings.ts';
import { searchFieldNames, searchFields, type SearchFieldName } from './searchable-fields.ts';
import { analyze, contentWords } from './text-analysis.ts';

/**
 * Lexical retrieval without a model: BM25F over an artifact's fields with stemming and
 * task-register stop words. It returns ranked ids and, on request, why each one matched.
 */
export interface LexicalMatch {
  term: string;
  fields: SearchFieldName[];
  score: number;
}

export class LexicalRetriever {
  readonly #settings: RetrievalSettings;
  readonly #index: FieldedBm25Index;

  constructor(settings: RetrievalSettings, options: { commonTermFraction?: number } = {}) {
    this.#settings = settings;
    this.#index = new FieldedBm25Index({
      weights: fieldVector(settings.fieldWeights),
      lengthNormalization: fieldVector(settings.fieldLengthNormalization),
      k1: settings.k1,
      ...(options.commonTermFraction === undefined ? {} : { commonTermFraction: options.commonTermFraction }),
    });
  }

  add(id: string, kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): void {
    const fields = searchFields(kind, name, content);
    this.#index.add(
      id,
      searchFieldNames.map((field) => this.#terms(fields[field])),
    );
  }

  remove(id: string): void {
    this.#index.remove(id);
  }

  /** The weighted terms a query is searched with. */
  queryTerms(query: string): Map<string, number> {
    const terms = new Map<string, number>();
    for (const term of this.#terms(query)) terms.set(term, 1);
    return terms;
  }

  search(query: string, options: { limit: number; accept?: (id: string) => boolean }): ScoredSlot[] {
    return this.#index.search(this.queryTerms(query), options);
  }

  explain(id: string, query: string): LexicalMatch[] {
    return this.#index.explain(id, this.queryTerms(query)).map((contribution) => ({
      term: contribution.term,
      score: contribution.score,
      fields: contribution.fields.map((field) => searchFieldNames[field]!),
    }));
  }

  #terms(text: string): string[] {
    return this.#settings.stemming ? analyze(text) : contentWords(text);
  }
}
