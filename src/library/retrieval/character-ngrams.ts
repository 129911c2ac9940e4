/**
 * Spelling variants by character trigrams: a query word that is written differently from the
 * library's word ("jsonl" and "json", "recieve" and "receive", "datetime" and "date") still
 * finds it. The index holds the library's vocabulary, not its documents, so its size follows the
 * number of distinct words and a query looks up only its own words' trigrams.
 */
export interface SimilarWord {
  word: string;
  similarity: number;
}

export class CharacterNgramIndex {
  readonly #wordsByTrigram = new Map<string, string[]>();
  readonly #trigramCounts = new Map<string, number>();
  readonly #maximumPosting: number;

  /** Trigrams shared by more than `maximumPosting` words are too common to suggest anything. */
  constructor(options: { maximumPosting?: number } = {}) {
    this.#maximumPosting = options.maximumPosting ?? 2000;
  }

  get size(): number {
    return this.#trigramCounts.size;
  }

  /** Adds a word to the vocabulary (once; words are not removed, a stale one only costs a look-up). */
  add(word: string): void {
    if (this.#trigramCounts.has(word) || word.length < 3) return;
    const grams = trigrams(word);
    this.#trigramCounts.set(word, grams.size);
    for (const gram of grams) {
      const words = this.#wordsByTrigram.get(gram);
      if (words === undefined) this.#wordsByTrigram.set(gram, [word]);
      else words.push(word);
    }
  }

  /** Vocabulary words whose trigram overlap (Dice coefficient) with `word` is at least `minimum`. */
  similar(word: string, minimum: number): SimilarWord[] {
    const grams = trigrams(word);
    const shared = new Map<string, number>();
    for (const gram of grams) {
      const words = this.#wordsByTrigram.get(gram);
      if (words === undefined || words.length > this.#maximumPosting) continue;
      for (const candidate of words) shared.set(candidate, (shared.get(candidate) ?? 0) + 1);
    }
    const result: SimilarWord[] = [];
    for (const [candidate, count] of shared) {
      if (candidate === word) continue;
      const similarity = (2 * count) / (grams.size + this.#trigramCounts.get(candidate)!);
      if (similarity >= minimum) result.push({ word: candidate, similarity });
    }
    return result.sort((first, second) => second.similarity - first.similarity);
  }
}

/** Trigrams of a word padded with boundary marks, so prefixes and suffixes count. */
export function trigrams(word: string): Set<string> {
  const padded = `^${word}$`;
  const grams = new Set<string>();
  for (let position = 0; position + 3 <= padded.length; position += 1) grams.add(padded.slice(position, position + 3));
  return grams;
}
