/**
 * Abbreviations: a query word the library never uses that begins a word it does use ("cert" for
 * "certificate", "repo" for "repository", "prod" for "production", "dedup" for "deduplicate").
 * Trigram similarity misses these, since a short prefix shares few trigrams with the long word.
 * Words are bucketed by their first three letters, so a look-up reads one bucket; only words the
 * library lacks are looked up, so the buckets' size matters little.
 */
export class WordCompletions {
  readonly #byStart = new Map<string, string[]>();
  readonly #known = new Set<string>();

  /** Adds a vocabulary word (once; words are not removed, a stale one only costs a look-up). */
  add(word: string): void {
    if (word.length < 4 || this.#known.has(word)) return;
    this.#known.add(word);
    const start = word.slice(0, 3);
    const bucket = this.#byStart.get(start);
    if (bucket === undefined) this.#byStart.set(start, [word]);
    else bucket.push(word);
  }

  /**
   * Vocabulary words that `prefix` begins and that are longer than it, shortest first (the
   * closest completion), at most `limit` of them.
   */
  complete(prefix: string, limit: number): string[] {
    if (prefix.length < 3 || limit <= 0) return [];
    const bucket = this.#byStart.get(prefix.slice(0, 3)) ?? [];
    return bucket
      .filter((word) => word.length > prefix.length && word.startsWith(prefix))
      .sort((first, second) => first.length - second.length || first.localeCompare(second))
      .slice(0, limit);
  }
}
