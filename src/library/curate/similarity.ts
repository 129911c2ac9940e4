import { searchableText, type ContentByKind, type LibraryKind } from '../artifact-content.ts';
import type { LibraryIndex } from '../retrieval/library-index.ts';
import { tokenize } from '../retrieval/tokenize.ts';
import { cosineSimilarity } from '../retrieval/vector-index.ts';

/**
 * Similarity between a text and library entries, in [0, 1]: cosine of embeddings when the index
 * has an embedding client, otherwise cosine of TF-IDF vectors with the library's own IDF, over
 * the terms of the same fielded index retrieval ranks with (stemmed, stop words dropped).
 */
export interface SimilarityScorer {
  /** Similarity of `text` to the indexed entry `id`. */
  toEntry(text: string, id: string): Promise<number>;
  /** Similarity between two indexed entries. */
  betweenEntries(firstId: string, secondId: string): Promise<number>;
}

export function createSimilarityScorer(index: LibraryIndex, embed?: (text: string) => Promise<number[]>): SimilarityScorer {
  const textVectors = new Map<string, Map<string, number>>();
  const weighted = (terms: ReadonlyMap<string, number>): Map<string, number> => {
    const vector = new Map<string, number>();
    for (const [term, frequency] of terms) vector.set(term, (1 + Math.log(frequency)) * index.idf(term));
    return vector;
  };
  const entryVector = (id: string): Map<string, number> => {
    let vector = textVectors.get(id);
    if (vector === undefined) {
      vector = weighted(index.termsOf(id) ?? new Map());
      textVectors.set(id, vector);
    }
    return vector;
  };
  return {
    async toEntry(text, id) {
      if (embed !== undefined) {
        const entryEmbedding = await index.vectorOf(id);
        if (entryEmbedding !== undefined) return Math.max(0, cosineSimilarity(await embed(text), entryEmbedding));
      }
      return sparseCosine(weighted(index.termCounts(text)), entryVector(id));
    },
    async betweenEntries(firstId, secondId) {
      if (embed !== undefined) {
        const first = await index.vectorOf(firstId);
        const second = await index.vectorOf(secondId);
        if (first !== undefined && second !== undefined) return Math.max(0, cosineSimilarity(first, second));
      }
      return sparseCosine(entryVector(firstId), entryVector(secondId));
    },
  };
}

/** The text curation compares: the same fields retrieval indexes. */
export function proposalText(kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): string {
  return searchableText(kind, name, content);
}

/** Term counts by `tokenize` (consolidation's grouping of task prompts). */
export function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of tokenize(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

export function sparseCosine(first: ReadonlyMap<string, number>, second: ReadonlyMap<string, number>): number {
  let product = 0;
  for (const [term, weight] of first) product += weight * (second.get(term) ?? 0);
  if (product === 0) return 0;
  return product / (norm(first) * norm(second));
}

function norm(vector: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const weight of vector.values()) sum += weight * weight;
  return Math.sqrt(sum);
}
