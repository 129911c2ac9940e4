/**
 * Spelling variants by character trigrams: a query word that is written differently from the
 * library's word ("jsonl" and "json", "recieve" and "receive", "datetime" and "date") still
 * finds it. The index holds the library's vocabulary, not its documents, so its size follows the
 * number of distinct words and a query looks up only its own words' trigrams.
 *
 * A look-up runs on every query word, so it is kept cheap: words are numbered, shared trigrams
 * are counted in a typed array rather than a map, words whose trigram count cannot reach the
 * similarity asked for are skipped before counting, and answers are remembered until the
 * vocabulary grows.
 */
export interface SimilarWord {
  word: string;
  similarity: number;
}

export class CharacterNgramIndex {
  readonly #idByWord = new Map<string, number>();
  readonly #words: string[] = [];
  #trigramCounts = new Uint16Array(1024);
  readonly #idsByTrigram = new Map<string, number[]>();
  #shared = new Uint16Array(1024);
  readonly #maximumPosting: number;
  readonly #remembered = new Map<string, readonly SimilarWord[]>();
  readonly #maximumRemembered: number;

  /**
   * Trigrams shared by more than `maximumPosting` words are too common to suggest anything.
   * `maximumRemembered` bounds the answers kept between vocabulary changes.
   */
  constructor(options: { maximumPosting?: number; maximumRemembered?: number } = {}) {
    this.#maximumPosting = options.maximumPosting ?? 2000;
    this.#maximumRemembered = options.maximumRemembered ?? 10_000;
  }

  /** Number of words held. */
  get size(): number {
    return this.#words.length;
  }

  /** Adds a word to the vocabulary (once; words are not removed, a stale one only costs a look-up). */
  add(word: string): void {
    if (this.#idByWord.has(word) || word.length < 3) return;
    const grams = trigrams(word);
    const id = this.#words.length;
    this.#words.push(word);
    this.#idByWord.set(word, id);
    if (id >= this.#trigramCounts.length) {
      const grown = new Uint16Array(this.#trigramCounts.length * 2);
      grown.set(this.#trigramCounts);
      this.#trigramCounts = grown;
      this.#shared = new Uint16Array(grown.length);
    }
    this.#trigramCounts[id] = grams.size;
    for (const gram of grams) {
      const ids = this.#idsByTrigram.get(gram);
      if (ids === undefined) this.#idsByTrigram.set(gram, [id]);
      else ids.push(id);
    }
    // A new word can be a variant of anything asked before.
    this.#remembered.clear();
  }

  /**
   * Vocabulary words whose trigram overlap (Dice coefficient) with `word` is at least `minimum`,
   * most similar first. The returned list is shared between calls: do not change it.
   */
  similar(word: string, minimum: number): readonly SimilarWord[] {
    const key = `${minimum} ${word}`;
    const remembered = this.#remembered.get(key);
    if (remembered !== undefined) return remembered;
    const result = this.#similar(word, minimum);
    if (this.#remembered.size >= this.#maximumRemembered) this.#remembered.clear();
    this.#remembered.set(key, result);
    return result;
  }

  #similar(word: string, minimum: number): SimilarWord[] {
    const grams = trigrams(word);
    const size = grams.size;
    // Dice = 2·shared / (size + other) ≥ minimum, with shared ≤ min(size, other), bounds `other`.
    const fewest = minimum > 0 ? Math.ceil((minimum * size) / (2 - minimum) - 1e-9) : 0;
    const most = minimum > 0 ? Math.floor(((2 - minimum) * size) / minimum + 1e-9) : Number.POSITIVE_INFINITY;
    const counts = this.#trigramCounts;
    const shared = this.#shared;
    const touched: number[] = [];
    for (const gram of grams) {
      const ids = this.#idsByTrigram.get(gram);
      if (ids === undefined || ids.length > this.#maximumPosting) continue;
      for (const id of ids) {
        const other = counts[id]!;
        if (other < fewest || other > most) continue;
        if (shared[id] === 0) touched.push(id);
        shared[id] = shared[id]! + 1;
      }
    }
    const self = this.#idByWord.get(word);
    const result: SimilarWord[] = [];
    for (const id of touched) {
      const similarity = (2 * shared[id]!) / (size + counts[id]!);
      shared[id] = 0;
      if (id !== self && similarity >= minimum) result.push({ word: this.#words[id]!, similarity });
    }
    return result.sort((first, second) => second.similarity - first.similarity || first.word.localeCompare(second.word));
  }
}

/** Trigrams of a word padded with boundary marks, so prefixes and suffixes count. */
export function trigrams(word: string): Set<string> {
  const padded = `^${word}$`;
  const grams = new Set<string>();
  for (let position = 0; position + 3 <= padded.length; position += 1) grams.add(padded.slice(position, position + 3));
  return grams;
}
