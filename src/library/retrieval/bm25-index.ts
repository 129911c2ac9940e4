import { tokenize } from './tokenize.ts';

/**
 * An incremental BM25 inverted index: documents are added, replaced and removed one at a time,
 * and a query touches only the postings of its own terms, so its cost follows how common those
 * terms are rather than the library's size.
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

export interface ScoredId {
  id: string;
  score: number;
}

/** One term's postings: parallel arrays of document slots and term frequencies, grown by doubling. */
interface Posting {
  slots: Int32Array;
  frequencies: Float32Array;
  length: number;
  /** Entries whose document was removed; compacted away once they are half the list. */
  stale: number;
}

export class Bm25Index {
  readonly #k1: number;
  readonly #b: number;
  readonly #commonTermFraction: number;
  // Every added document gets a fresh slot; removal marks it dead, and postings drop dead slots lazily.
  readonly #slotById = new Map<string, number>();
  readonly #idBySlot: (string | undefined)[] = [];
  readonly #termsBySlot: (Map<string, number> | undefined)[] = [];
  #lengthBySlot = new Float64Array(1024);
  #alive = new Uint8Array(1024);
  readonly #postings = new Map<string, Posting>();
  #totalLength = 0;
  #scores = new Float64Array(1024);

  constructor(options: Bm25Options = {}) {
    this.#k1 = options.k1 ?? 1.2;
    this.#b = options.b ?? 0.75;
    this.#commonTermFraction = options.commonTermFraction ?? 0.05;
  }

  get size(): number {
    return this.#slotById.size;
  }

  has(id: string): boolean {
    return this.#slotById.has(id);
  }

  /** Adds a document, replacing any earlier text under the same id. */
  add(id: string, text: string): void {
    this.remove(id);
    const terms = new Map<string, number>();
    let length = 0;
    for (const term of tokenize(text)) {
      terms.set(term, (terms.get(term) ?? 0) + 1);
      length += 1;
    }
    const slot = this.#idBySlot.length;
    this.#ensureSlotCapacity(slot + 1);
    this.#slotById.set(id, slot);
    this.#idBySlot.push(id);
    this.#termsBySlot.push(terms);
    this.#lengthBySlot[slot] = length;
    this.#alive[slot] = 1;
    this.#totalLength += length;
    for (const [term, frequency] of terms) {
      let posting = this.#postings.get(term);
      if (posting === undefined) {
        posting = { slots: new Int32Array(4), frequencies: new Float32Array(4), length: 0, stale: 0 };
        this.#postings.set(term, posting);
      }
      if (posting.length === posting.slots.length) {
        const slots = new Int32Array(posting.length * 2);
        slots.set(posting.slots);
        const frequencies = new Float32Array(posting.length * 2);
        frequencies.set(posting.frequencies);
        posting.slots = slots;
        posting.frequencies = frequencies;
      }
      posting.slots[posting.length] = slot;
      posting.frequencies[posting.length] = frequency;
      posting.length += 1;
    }
  }

  remove(id: string): boolean {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return false;
    this.#alive[slot] = 0;
    for (const term of this.#termsBySlot[slot]!.keys()) {
      const posting = this.#postings.get(term)!;
      posting.stale += 1;
      if (posting.stale === posting.length) this.#postings.delete(term);
      else if (posting.stale * 2 > posting.length) this.#compact(posting);
    }
    this.#totalLength -= this.#lengthBySlot[slot]!;
    this.#slotById.delete(id);
    this.#idBySlot[slot] = undefined;
    this.#termsBySlot[slot] = undefined;
    return true;
  }

  /** The best `limit` documents for the query, best first; documents `accept` rejects are skipped. */
  search(query: string, options: { limit?: number; accept?: (id: string) => boolean } = {}): ScoredId[] {
    const limit = options.limit ?? 10;
    const count = this.#slotById.size;
    if (count === 0 || limit <= 0) return [];
    const queryTerms = [...new Set(tokenize(query))];
    const scores = this.#scores;
    const alive = this.#alive;
    const lengths = this.#lengthBySlot;
    const touched: number[] = [];
    const k1 = this.#k1;
    const lengthWeight = (k1 * this.#b) / (this.#totalLength / count || 1);
    const base = k1 * (1 - this.#b);
    const commonAbove = Math.max(1000, count * this.#commonTermFraction);
    // Rare terms first: they decide which documents are candidates.
    const postings = queryTerms
      .map((term) => this.#postings.get(term))
      .filter((posting): posting is Posting => posting !== undefined)
      .sort((first, second) => first.length - first.stale - (second.length - second.stale));
    for (const posting of postings) {
      const documentFrequency = posting.length - posting.stale;
      const idf = Math.log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5));
      const onlyTouched = documentFrequency > commonAbove && touched.length > 0;
      const slots = posting.slots;
      const frequencies = posting.frequencies;
      for (let position = 0; position < posting.length; position += 1) {
        const slot = slots[position]!;
        const previous = scores[slot]!;
        if (previous === 0 && (onlyTouched || alive[slot] === 0)) continue;
        const frequency = frequencies[position]!;
        if (previous === 0) touched.push(slot);
        scores[slot] = previous + (idf * frequency * (k1 + 1)) / (frequency + base + lengthWeight * lengths[slot]!);
      }
    }
    // Keep the top `limit` in a small sorted array; most candidates fail the first comparison.
    const top: ScoredId[] = [];
    for (const slot of touched) {
      const score = scores[slot]!;
      scores[slot] = 0;
      if (top.length === limit && score <= top[top.length - 1]!.score) continue;
      const id = this.#idBySlot[slot]!;
      if (options.accept !== undefined && !options.accept(id)) continue;
      let position = top.length;
      while (position > 0 && top[position - 1]!.score < score) position -= 1;
      top.splice(position, 0, { id, score });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /** Term frequencies of one document (for lexical similarity in curation). */
  termsOf(id: string): ReadonlyMap<string, number> | undefined {
    const slot = this.#slotById.get(id);
    return slot === undefined ? undefined : this.#termsBySlot[slot];
  }

  /** Inverse document frequency of a term under the current collection. */
  idf(term: string): number {
    const count = this.#slotById.size;
    const posting = this.#postings.get(term);
    const frequency = posting === undefined ? 0 : posting.length - posting.stale;
    return Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
  }

  #compact(posting: Posting): void {
    let kept = 0;
    for (let position = 0; position < posting.length; position += 1) {
      const slot = posting.slots[position]!;
      if (this.#alive[slot] === 0) continue;
      posting.slots[kept] = slot;
      posting.frequencies[kept] = posting.frequencies[position]!;
      kept += 1;
    }
    posting.length = kept;
    posting.stale = 0;
  }

  #ensureSlotCapacity(needed: number): void {
    if (needed <= this.#alive.length) return;
    const capacity = Math.max(needed, this.#alive.length * 2);
    const alive = new Uint8Array(capacity);
    alive.set(this.#alive);
    this.#alive = alive;
    const lengths = new Float64Array(capacity);
    lengths.set(this.#lengthBySlot);
    this.#lengthBySlot = lengths;
    this.#scores = new Float64Array(capacity);
  }
}
