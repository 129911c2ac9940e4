/**
 * Exact cosine search over unit vectors. Libraries are thousands of artifacts, not millions, so
 * a linear scan over packed Float32Arrays is fast and needs no approximate index.
 */
export class VectorIndex {
  readonly #vectors = new Map<string, Float32Array>();
  #dimensions: number | undefined;

  get size(): number {
    return this.#vectors.size;
  }

  has(id: string): boolean {
    return this.#vectors.has(id);
  }

  set(id: string, vector: readonly number[]): void {
    if (this.#dimensions === undefined) this.#dimensions = vector.length;
    if (vector.length !== this.#dimensions) {
      throw new RangeError(`embedding has ${vector.length} dimensions; the index holds ${this.#dimensions}`);
    }
    this.#vectors.set(id, normalize(vector));
  }

  get(id: string): Float32Array | undefined {
    return this.#vectors.get(id);
  }

  /** Takes the vectors of `other` that `keep` accepts (vectors are never changed, so they are shared). */
  copyFrom(other: VectorIndex, keep: (id: string) => boolean): void {
    for (const [id, vector] of other.#vectors) {
      if (!keep(id)) continue;
      this.#dimensions ??= vector.length;
      this.#vectors.set(id, vector);
    }
  }

  remove(id: string): boolean {
    return this.#vectors.delete(id);
  }

  search(query: readonly number[], options: { limit?: number; accept?: (id: string) => boolean } = {}): { id: string; score: number }[] {
    const limit = options.limit ?? 10;
    const unit = normalize(query);
    const results: { id: string; score: number }[] = [];
    for (const [id, vector] of this.#vectors) {
      if (options.accept !== undefined && !options.accept(id)) continue;
      results.push({ id, score: dot(unit, vector) });
    }
    results.sort((a, b) => b.score - a.score);
    return results.slice(0, limit);
  }
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let product = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index += 1) {
    product += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return normA === 0 || normB === 0 ? 0 : product / Math.sqrt(normA * normB);
}

function normalize(vector: readonly number[]): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  return Float32Array.from(vector, (value) => value * scale);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += a[index]! * b[index]!;
  return sum;
}
