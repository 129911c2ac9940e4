/**
 * An incremental BM25F inverted index (Robertson, Zaragoza and Taylor 2004): each document has
 * several fields, each field its own weight and length normalization, and a term's frequencies
 * in the fields are blended into one pseudo-frequency before saturation. So a word in a skill's
 * name counts for more than the same word deep in its body, without the body's length drowning
 * it. Documents are added, replaced and removed one at a time; a query touches only the postings
 * of its own terms.
 *
 * Terms are numbered, and a document keeps only the numbers of its distinct terms (one typed
 * array); its frequencies live in the postings alone. A map and a small typed array per term
 * of every document made building 10,000 items take about a second, most of it allocation.
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

/** A document to add: its id, and each field's terms as term numbers (FieldedBm25Index.termNumber). */
export interface NumberedDocument {
  id: string;
  fields: readonly (readonly number[])[];
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
  /** Slots in increasing order (documents are appended, compaction keeps the order). */
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
  /** Each slot's distinct term numbers. */
  readonly #termsBySlot: (Int32Array | undefined)[] = [];
  readonly #termNumbers = new Map<string, number>();
  readonly #termByNumber: string[] = [];
  readonly #postings: (Posting | undefined)[] = [];
  #fieldLengths = new Float64Array(0);
  #alive = new Uint8Array(0);
  #scores = new Float64Array(0);
  /** Slots a query touched, reused between queries. */
  #touched = new Int32Array(0);
  readonly #totalFieldLengths: Float64Array;
  /**
   * weight ÷ length normalizer of each slot's fields, recomputed after the collection changed:
   * a query then costs one multiply per field instead of a division.
   */
  #fieldFactors = new Float64Array(0);
  #factorsStale = true;
  // Scratch space for adding documents: per term number, its position in the document being
  // counted (plus one) and the entries its posting is about to gain; per distinct term of that
  // document, its number and its frequency in each field.
  #positionByTerm = new Int32Array(0);
  #pendingByTerm = new Int32Array(0);
  #distinctScratch = new Int32Array(0);
  #frequencyScratch = new Float32Array(0);

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

  /** The ids held, in the order they were (last) added: ties rank in this order. */
  ids(): string[] {
    return this.#idBySlot.filter((id): id is string => id !== undefined);
  }

  /** Adds a document given the terms of each field, replacing any earlier one under the same id. */
  add(id: string, fields: readonly (readonly string[])[]): void {
    this.addAll([{ id, fields: fields.map((terms) => terms.map((term) => this.termNumber(term))) }]);
  }

  /**
   * The number of a term (numbered on first sight), for adding documents as numbers: a caller
   * that analyses text can remember each word's number and skip looking the term up again.
   */
  termNumber(term: string): number {
    let number = this.#termNumbers.get(term);
    if (number === undefined) {
      number = this.#termByNumber.length;
      this.#termNumbers.set(term, number);
      this.#termByNumber.push(term);
      if (number >= this.#positionByTerm.length) {
        const capacity = Math.max(1024, this.#positionByTerm.length * 2);
        const positions = new Int32Array(capacity);
        positions.set(this.#positionByTerm);
        this.#positionByTerm = positions;
        const pending = new Int32Array(capacity);
        pending.set(this.#pendingByTerm);
        this.#pendingByTerm = pending;
      }
    }
    return number;
  }

  /**
   * Adds documents whose fields are term numbers (see termNumber), each replacing any earlier one
   * under its id (the last of a repeated id wins). Every posting grows once per call to the size
   * the whole batch needs, so building an index in one call allocates each posting about once.
   */
  addAll(documents: readonly NumberedDocument[]): void {
    const latest = new Map<string, NumberedDocument['fields']>();
    for (const { id, fields } of documents) {
      latest.delete(id);
      latest.set(id, fields);
    }
    for (const id of latest.keys()) this.remove(id);
    if (latest.size === 0) return;
    const fieldCount = this.#fieldCount;
    const firstSlot = this.#idBySlot.length;
    this.#ensureSlotCapacity(firstSlot + latest.size);
    // First pass: each document's distinct terms, and how many entries each posting gains.
    const grown: number[] = [];
    let slot = firstSlot;
    for (const [id, fields] of latest) {
      const distinctCount = this.#countTerms(fields);
      const distinct = this.#distinctScratch.slice(0, distinctCount);
      for (const number of distinct) {
        if (this.#pendingByTerm[number] === 0) grown.push(number);
        this.#pendingByTerm[number] = this.#pendingByTerm[number]! + 1;
      }
      for (let field = 0; field < fieldCount; field += 1) {
        const length = fields[field]?.length ?? 0;
        this.#fieldLengths[slot * fieldCount + field] = length;
        this.#totalFieldLengths[field] = this.#totalFieldLengths[field]! + length;
      }
      this.#slotById.set(id, slot);
      this.#idBySlot.push(id);
      this.#termsBySlot.push(distinct);
      this.#alive[slot] = 1;
      slot += 1;
    }
    this.#factorsStale = true;
    for (const number of grown) {
      this.#reserve(number, this.#pendingByTerm[number]!);
      this.#pendingByTerm[number] = 0;
    }
    // Second pass, in slot order so every posting stays sorted by slot: the entries themselves.
    slot = firstSlot;
    for (const fields of latest.values()) {
      const distinctCount = this.#countTerms(fields);
      const frequencies = this.#frequencyScratch;
      for (let position = 0; position < distinctCount; position += 1) {
        const posting = this.#postings[this.#distinctScratch[position]!]!;
        posting.slots[posting.length] = slot;
        const target = posting.frequencies;
        const targetBase = posting.length * fieldCount;
        const sourceBase = position * fieldCount;
        for (let field = 0; field < fieldCount; field += 1) target[targetBase + field] = frequencies[sourceBase + field]!;
        posting.length += 1;
      }
      slot += 1;
    }
  }

  /**
   * Counts one document's terms into the scratch arrays: its distinct term numbers in order of
   * first appearance, and `fieldCount` frequencies for each. Returns how many are distinct.
   */
  #countTerms(fields: NumberedDocument['fields']): number {
    const fieldCount = this.#fieldCount;
    let termCount = 0;
    for (const terms of fields) termCount += terms.length;
    if (this.#distinctScratch.length < termCount) {
      const capacity = Math.max(termCount, 64) * 2;
      this.#distinctScratch = new Int32Array(capacity);
      this.#frequencyScratch = new Float32Array(capacity * fieldCount);
    }
    const distinct = this.#distinctScratch;
    const frequencies = this.#frequencyScratch;
    const positions = this.#positionByTerm;
    let distinctCount = 0;
    for (let field = 0; field < fieldCount; field += 1) {
      const terms = fields[field];
      if (terms === undefined) continue;
      for (const number of terms) {
        let position = positions[number]! - 1;
        if (position < 0) {
          position = distinctCount;
          distinct[position] = number;
          positions[number] = position + 1;
          const base = position * fieldCount;
          for (let other = 0; other < fieldCount; other += 1) frequencies[base + other] = 0;
          distinctCount += 1;
        }
        frequencies[position * fieldCount + field] = frequencies[position * fieldCount + field]! + 1;
      }
    }
    for (let position = 0; position < distinctCount; position += 1) positions[distinct[position]!] = 0;
    return distinctCount;
  }

  /** Room for `more` entries in a term's posting (doubling, so one-at-a-time adds stay linear). */
  #reserve(number: number, more: number): void {
    const fieldCount = this.#fieldCount;
    const posting = this.#postings[number];
    if (posting === undefined) {
      const capacity = Math.max(4, more);
      this.#postings[number] = { slots: new Int32Array(capacity), frequencies: new Float32Array(capacity * fieldCount), length: 0, stale: 0 };
      return;
    }
    const needed = posting.length + more;
    if (needed <= posting.slots.length) return;
    const capacity = Math.max(needed, posting.slots.length * 2);
    const slots = new Int32Array(capacity);
    slots.set(posting.slots.subarray(0, posting.length));
    const frequencies = new Float32Array(capacity * fieldCount);
    frequencies.set(posting.frequencies.subarray(0, posting.length * fieldCount));
    posting.slots = slots;
    posting.frequencies = frequencies;
  }

  remove(id: string): boolean {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return false;
    this.#alive[slot] = 0;
    this.#factorsStale = true;
    for (const number of this.#termsBySlot[slot]!) {
      const posting = this.#postings[number]!;
      posting.stale += 1;
      if (posting.stale === posting.length) this.#postings[number] = undefined;
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
    const touched = this.#touched;
    let touchedCount = 0;
    const factors = this.#currentFieldFactors();
    const fieldCount = this.#fieldCount;
    const k1 = this.#k1;
    const commonAbove = Math.max(1000, count * this.#commonTermFraction);
    const postings: { posting: Posting; weight: number }[] = [];
    for (const [term, weight] of query) {
      const posting = this.#postingOf(term);
      if (posting !== undefined && weight > 0) postings.push({ posting, weight });
    }
    postings.sort((first, second) => first.posting.length - first.posting.stale - (second.posting.length - second.posting.stale));
    for (const { posting, weight } of postings) {
      const documentFrequency = posting.length - posting.stale;
      const idf = weight * Math.log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5));
      const onlyTouched = documentFrequency > commonAbove && touchedCount > 0;
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
        if (previous === 0) {
          touched[touchedCount] = slot;
          touchedCount += 1;
        }
        scores[slot] = previous + (idf * pseudo * (k1 + 1)) / (pseudo + k1);
      }
    }
    const top: ScoredId[] = [];
    for (let position = 0; position < touchedCount; position += 1) {
      const slot = touched[position]!;
      const score = scores[slot]!;
      scores[slot] = 0;
      if (top.length === limit && score <= top[top.length - 1]!.score) continue;
      const id = this.#idBySlot[slot]!;
      if (options.accept !== undefined && !options.accept(id)) continue;
      let insertAt = top.length;
      while (insertAt > 0 && top[insertAt - 1]!.score < score) insertAt -= 1;
      top.splice(insertAt, 0, { id, score });
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
    const contributions: TermContribution[] = [];
    for (const [term, weight] of query) {
      const frequencies = this.#frequenciesIn(slot, term);
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
    for (const number of this.#termsBySlot[slot]!) {
      const term = this.#termByNumber[number]!;
      const frequencies = this.#frequenciesIn(slot, term)!;
      let total = 0;
      for (const field of counted) total += frequencies[field] ?? 0;
      if (total > 0) result.set(term, total);
    }
    return result;
  }

  idf(term: string): number {
    const count = this.#slotById.size;
    const posting = this.#postingOf(term);
    const frequency = posting === undefined ? 0 : posting.length - posting.stale;
    return Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
  }

  #postingOf(term: string): Posting | undefined {
    const number = this.#termNumbers.get(term);
    return number === undefined ? undefined : this.#postings[number];
  }

  /** A term's frequencies in one live slot's fields (a view into its posting), by binary search. */
  #frequenciesIn(slot: number, term: string): Float32Array | undefined {
    const posting = this.#postingOf(term);
    if (posting === undefined) return undefined;
    let low = 0;
    let high = posting.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = posting.slots[middle]!;
      if (found === slot) return posting.frequencies.subarray(middle * this.#fieldCount, (middle + 1) * this.#fieldCount);
      if (found < slot) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
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
    this.#touched = new Int32Array(capacity);
  }
}
