import { FieldedBm25Index, type ScoredId } from './fielded-bm25-index.ts';
import { tokenize } from './tokenize.ts';
import { definedOnly } from '../../core/defined-only.ts';

export type { ScoredId } from './fielded-bm25-index.ts';

/**
 * Textbook one-field BM25 over `tokenize`'s terms: the ranking the library used before fields,
 * kept as the reference the benchmarks compare against. It is the fielded index with one field
 * (BM25F with one field of weight 1 is BM25), so the posting lists, incremental updates and the
 * common-term cut-off live in one place.
 */
export interface Bm25Options {
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /** Length normalization. Default 0.75. */
  b?: number;
  /**
   * A query term found in more than this fraction of documents (and in more than 1,000) is
   * "common": it adds to the scores of documents that matched a rarer query term but does not
   * bring in documents of its own, as in Lucene's common-terms query. Queries made only of common
   * terms are scored exactly. Default 0.05; 1 disables the cut-off.
   */
  commonTermFraction?: number;
}

export class Bm25Index {
  readonly #index: FieldedBm25Index;

  constructor(options: Bm25Options = {}) {
    this.#index = new FieldedBm25Index({
      weights: [1],
      lengthNormalization: [options.b ?? 0.75],
      ...definedOnly({ k1: options.k1, commonTermFraction: options.commonTermFraction }),
    });
  }

  get size(): number {
    return this.#index.size;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** Adds a document, replacing any earlier text under the same id. */
  add(id: string, text: string): void {
    this.#index.add(id, [tokenize(text)]);
  }

  remove(id: string): boolean {
    return this.#index.remove(id);
  }

  /** The best `limit` documents for the query, best first; documents `accept` rejects are skipped. */
  search(query: string, options: { limit?: number; accept?: (id: string) => boolean } = {}): ScoredId[] {
    return this.#index.search(new Map(tokenize(query).map((term) => [term, 1])), options);
  }

  /** Term frequencies of one document. */
  termsOf(id: string): ReadonlyMap<string, number> | undefined {
    return this.#index.termsOf(id);
  }

  /** Inverse document frequency of a term under the current collection. */
  idf(term: string): number {
    return this.#index.idf(term);
  }
}
