/**
 * An incremental BM25F inverted index (Robertson, Zaragoza and Taylor 2004): each document has
 * several fields, each field its own weight and length normalization, and a term's frequencies
 * in the fields are blended into one pseudo-frequency before saturation. So a word in a skill's
 * name counts for more than the same word deep in its body, without the body's length drowning
 * it. Documents are added, replaced and removed one at a time; a query touches only the postings
 * of its own terms.
 */
export interface FieldedBm25Options {
  /** Weight of each field, in field order. */
  weights: readonly number[];
  /** Length normalization of each field (0: none, 1: full). */
  lengthNormalization: readonly number[];
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /**
   * A query term found in more than this fraction of documents (and in more than 1,000) adds to
   * documents that matched a rarer term but brings in none of its own, as in Lucene's
   * common-terms query. Default 0.05; 1 disables the cut-off.
   */
  commonTermFraction?: number;
}

export interface ScoredId {
  id: string;
  score: number;
}

/** What one query term added to one document's score, and in which fields it was found. */
export interface TermContribution {
  term: string;
  score: number;
  fields: number[];
}

interface Posting {
  slots: Int32Array;
  /** `fieldCount` frequencies per entry. */
  frequencies: Float32Array;
  length: number;
  stale: number;
}

export class FieldedBm25Index {
  readonly #fieldCount: number;
  readonly #weights: Float64Array;
  readonly #lengthNormalization: Float64Array;
  readonly #k1: number;
  readonly #commonTermFraction: number;
  readonly #slotById = new Map<string, number>();
  readonly #idBySlot: (string | undefined)[] = [];
  readonly #termsBySlot: (Map<string, Float32Array> | undefined)[] = [];
  #fieldLengths = new Float64Array(0);
  #alive = new Uint8Array(0);
  #scores = new Float64Array(0);
  readonly #totalFieldLengths: Float64Array;
  readonly #postings = new Map<string, Posting>();
  /**
   * weight ÷ length normalizer of each slot's fields, recomputed after the collection changed:
   * a query then costs one multiply per field instead of a division.
   */
  #fieldFactors = new Float64Array(0);
  #factorsStale = true;

  constructor(options: FieldedBm25Options) {
    if (options.weights.length !== options.lengthNormalization.length) {
      throw new RangeError('weights and lengthNormalization need one entry per field');
    }
    this.#fieldCount = options.weights.length;
    this.#weights = Float64Array.from(options.weights);
    this.#lengthNormalization = Float64Array.from(options.lengthNormalization);
    this.#k1 = options.k1 ?? 1.2;
    this.#commonTermFraction = options.commonTermFraction ?? 0.05;
    this.#totalFieldLengths = new Float64Array(this.#fieldCount);
    this.#ensureSlotCapacity(1024);
  }

  get size(): number {
    return this.#slotById.size;
  }

  has(id: string): boolean {
    return this.#slotById.has(id);
  }

  /** Adds a document given the terms of each field, replacing any earlier one under the same id. */
  add(id: string, fields: readonly (readonly string[])[]): void {
    this.remove(id);
    const fieldCount = this.#fieldCount;
    const terms = new Map<string, Float32Array>();
    const slot = this.#idBySlot.length;
    this.#ensureSlotCapacity(slot + 1);
    for (let field = 0; field < fieldCount; field += 1) {
      const fieldTerms = fields[field] ?? [];
      for (const term of fieldTerms) {
        let frequencies = terms.get(term);
        if (frequencies === undefined) {
          frequencies = new Float32Array(fieldCount);
          terms.set(term, frequencies);
        }
        frequencies[field] = frequencies[field]! + 1;
      }
      this.#fieldLengths[slot * fieldCount + field] = fieldTerms.length;
      this.#totalFieldLengths[field] = this.#totalFieldLengths[field]! + fieldTerms.length;
    }
    this.#slotById.set(id, slot);
    this.#idBySlot.push(id);
    this.#termsBySlot.push(terms);
    this.#alive[slot] = 1;
    this.#factorsStale = true;
    for (const [term, frequencies] of terms) {
      let posting = this.#postings.get(term);
      if (posting === undefined) {
        posting = { slots: new Int32Array(4), frequencies: new Float32Array(4 * fieldCount), length: 0, stale: 0 };
        this.#postings.set(term, posting);
      }
      if (posting.length === posting.slots.length) {
        const slots = new Int32Array(posting.length * 2);
        slots.set(posting.slots);
        const grown = new Float32Array(posting.length * 2 * fieldCount);
        grown.set(posting.frequencies);
        posting.slots = slots;
        posting.frequencies = grown;
      }
      posting.slots[posting.length] = slot;
      posting.frequencies.set(frequencies, posting.length * fieldCount);
      posting.length += 1;
    }
  }

  remove(id: string): boolean {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return false;
    this.#alive[slot] = 0;
    this.#factorsStale = true;
    for (const term of this.#termsBySlot[slot]!.keys()) {
      const posting = this.#postings.get(term)!;
      posting.stale += 1;
      if (posting.stale === posting.length) this.#postings.delete(term);
      else if (posting.stale * 2 > posting.length) this.#compact(posting);
    }
    for (let field = 0; field < this.#fieldCount; field += 1) {
      this.#totalFieldLengths[field] = this.#totalFieldLengths[field]! - this.#fieldLengths[slot * this.#fieldCount + field]!;
    }
    this.#slotById.delete(id);
    this.#idBySlot[slot] = undefined;
    this.#termsBySlot[slot] = undefined;
    return true;
  }

  /**
   * The best `limit` documents for weighted query terms (term → weight; an expansion term weighs
   * less than a word the user typed), best first; documents `accept` rejects are skipped.
   */
  search(query: ReadonlyMap<string, number>, options: { limit?: number; accept?: (id: string) => boolean } = {}): ScoredId[] {
    const limit = options.limit ?? 10;
    const count = this.#slotById.size;
    if (count === 0 || limit <= 0) return [];
    const scores = this.#scores;
    const alive = this.#alive;
    const touched: number[] = [];
    const factors = this.#currentFieldFactors();
    const fieldCount = this.#fieldCount;
    const k1 = this.#k1;
    const commonAbove = Math.max(1000, count * this.#commonTermFraction);
    const postings = [...query]
      .map(([term, weight]) => ({ posting: this.#postings.get(term), weight }))
      .filter((item): item is { posting: Posting; weight: number } => item.posting !== undefined && item.weight > 0)
      .sort((first, second) => first.posting.length - first.posting.stale - (second.posting.length - second.posting.stale));
    for (const { posting, weight } of postings) {
      const documentFrequency = posting.length - posting.stale;
      const idf = weight * Math.log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5));
      const onlyTouched = documentFrequency > commonAbove && touched.length > 0;
      const slots = posting.slots;
      const frequencies = posting.frequencies;
      for (let position = 0; position < posting.length; position += 1) {
        const slot = slots[position]!;
        const previous = scores[slot]!;
        if (previous === 0 && (onlyTouched || alive[slot] === 0)) continue;
        let pseudo = 0;
        const base = position * fieldCount;
        const factorBase = slot * fieldCount;
        for (let field = 0; field < fieldCount; field += 1) pseudo += frequencies[base + field]! * factors[factorBase + field]!;
        if (pseudo === 0) continue;
        if (previous === 0) touched.push(slot);
        scores[slot] = previous + (idf * pseudo * (k1 + 1)) / (pseudo + k1);
      }
    }
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

  /** Each query term's share of one document's score, largest first (for explanations). */
  explain(id: string, query: ReadonlyMap<string, number>): TermContribution[] {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return [];
    const count = this.#slotById.size;
    const norms = this.#lengthNormalizers(count);
    const terms = this.#termsBySlot[slot]!;
    const contributions: TermContribution[] = [];
    for (const [term, weight] of query) {
      const frequencies = terms.get(term);
      if (frequencies === undefined || weight <= 0) continue;
      let pseudo = 0;
      const fields: number[] = [];
      for (let field = 0; field < this.#fieldCount; field += 1) {
        const frequency = frequencies[field]!;
        if (frequency === 0) continue;
        fields.push(field);
        pseudo += (this.#weights[field]! * frequency) / (norms.constant[field]! + norms.perLength[field]! * this.#fieldLengths[slot * this.#fieldCount + field]!);
      }
      if (pseudo === 0) continue;
      const score = (weight * this.idf(term) * pseudo * (this.#k1 + 1)) / (pseudo + this.#k1);
      contributions.push({ term, score, fields });
    }
    return contributions.sort((first, second) => second.score - first.score);
  }

  /** Summed frequencies of a document's terms over the given fields (all when absent). */
  termsOf(id: string, fields?: readonly number[]): Map<string, number> | undefined {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return undefined;
    const counted = fields ?? [...Array(this.#fieldCount).keys()];
    const result = new Map<string, number>();
    for (const [term, frequencies] of this.#termsBySlot[slot]!) {
      let total = 0;
      for (const field of counted) total += frequencies[field] ?? 0;
      if (total > 0) result.set(term, total);
    }
    return result;
  }

  idf(term: string): number {
    const count = this.#slotById.size;
    const posting = this.#postings.get(term);
    const frequency = posting === undefined ? 0 : posting.length - posting.stale;
    return Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
  }

  #currentFieldFactors(): Float64Array {
    if (!this.#factorsStale) return this.#fieldFactors;
    const fieldCount = this.#fieldCount;
    const slots = this.#idBySlot.length;
    if (this.#fieldFactors.length < this.#alive.length * fieldCount) this.#fieldFactors = new Float64Array(this.#alive.length * fieldCount);
    const norms = this.#lengthNormalizers(this.#slotById.size);
    const factors = this.#fieldFactors;
    for (let slot = 0; slot < slots; slot += 1) {
      for (let field = 0; field < fieldCount; field += 1) {
        const index = slot * fieldCount + field;
        factors[index] = this.#weights[field]! / (norms.constant[field]! + norms.perLength[field]! * this.#fieldLengths[index]!);
      }
    }
    this.#factorsStale = false;
    return factors;
  }

  // Per field: the normalizer is constant + perLength × length, i.e. (1 − b) + b × length / average.
  #lengthNormalizers(count: number): { constant: Float64Array; perLength: Float64Array } {
    const constant = new Float64Array(this.#fieldCount);
    const perLength = new Float64Array(this.#fieldCount);
    for (let field = 0; field < this.#fieldCount; field += 1) {
      const b = this.#lengthNormalization[field]!;
      const average = this.#totalFieldLengths[field]! / count;
      constant[field] = 1 - b;
      perLength[field] = average > 0 ? b / average : 0;
      // A field empty in every document never matches; keep the normalizer positive regardless.
      if (constant[field] === 0 && perLength[field] === 0) constant[field] = 1;
    }
    return { constant, perLength };
  }

  #compact(posting: Posting): void {
    const fieldCount = this.#fieldCount;
    let kept = 0;
    for (let position = 0; position < posting.length; position += 1) {
      const slot = posting.slots[position]!;
      if (this.#alive[slot] === 0) continue;
      posting.slots[kept] = slot;
      posting.frequencies.copyWithin(kept * fieldCount, position * fieldCount, (position + 1) * fieldCount);
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
    const lengths = new Float64Array(capacity * this.#fieldCount);
    lengths.set(this.#fieldLengths);
    this.#fieldLengths = lengths;
    this.#scores = new Float64Array(capacity);
  }
}
