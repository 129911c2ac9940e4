/**
 * Abbreviations: a query word the library never uses that begins a word it does use ("cert" for
 * "certificate", "repo" for "repository", "prod" for "production", "dedup" for "deduplicate").
 * Trigram similarity misses these, since a short prefix shares few trigrams with the long word.
 *
 * Words are bucketed by their first three letters and each bucket is kept sorted, so a look-up
 * is a binary search to the first word the prefix could begin and a walk over the words it does
 * begin; a prefix that begins more than `maximumMatches` words abbreviates nothing in particular
 * and completes to none (in a large library "pro" or "con" buckets hold thousands of words).
 */
export class WordCompletions {
  readonly #byStart = new Map<string, string[]>();
  readonly #maximumMatches: number;

  constructor(options: { maximumMatches?: number } = {}) {
    this.#maximumMatches = options.maximumMatches ?? 32;
  }

  /** Adds a vocabulary word (once; words are not removed, a stale one only costs a look-up). */
  add(word: string): void {
    if (word.length < 4) return;
    const start = word.slice(0, 3);
    let bucket = this.#byStart.get(start);
    if (bucket === undefined) {
      bucket = [];
      this.#byStart.set(start, bucket);
    }
    const position = lowerBound(bucket, word);
    if (bucket[position] !== word) bucket.splice(position, 0, word);
  }

  /**
   * Vocabulary words that `prefix` begins and that are longer than it, shortest first (the
   * closest completion), at most `limit` of them; none when the prefix begins too many words.
   */
  complete(prefix: string, limit: number): string[] {
    if (prefix.length < 3 || limit <= 0) return [];
    const bucket = this.#byStart.get(prefix.slice(0, 3));
    if (bucket === undefined) return [];
    const matches: string[] = [];
    for (let position = lowerBound(bucket, prefix); position < bucket.length && bucket[position]!.startsWith(prefix); position += 1) {
      if (bucket[position]!.length === prefix.length) continue;
      if (matches.length === this.#maximumMatches) return [];
      matches.push(bucket[position]!);
    }
    return matches.sort((first, second) => first.length - second.length || (first < second ? -1 : 1)).slice(0, limit);
  }
}

/** The first position in a sorted array whose word is not below `word`. */
function lowerBound(sorted: readonly string[], word: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < word) low = middle + 1;
    else high = middle;
  }
  return low;
}
