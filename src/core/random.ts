/**
 * A seedable pseudo-random generator (SplitMix32 seeding a xoshiro128**), so a seed makes
 * model-free runs reproducible. Its state can be saved and restored for resumable runs.
 */
export class Random {
  private state: Uint32Array;

  constructor(seed: number = Date.now()) {
    this.state = new Uint32Array(4);
    let value = seed >>> 0;
    for (let index = 0; index < 4; index += 1) {
      value = (value + 0x9e3779b9) >>> 0;
      let mixed = value;
      mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
      this.state[index] = (mixed ^ (mixed >>> 16)) >>> 0;
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** A float in [0, 1). */
  next(): number {
    const s = this.state;
    const result = Math.imul(rotateLeft(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const shifted = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ shifted) >>> 0;
    s[3] = rotateLeft(s[3]!, 11);
    return result / 4294967296;
  }

  /** An integer in [0, bound). */
  integer(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.integer(items.length)]!;
  }

  /** Index drawn with probability proportional to its weight; weights must be non-negative. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) total += weight > 0 && Number.isFinite(weight) ? weight : 0;
    if (total <= 0) return this.integer(weights.length);
    let target = this.next() * total;
    for (let index = 0; index < weights.length; index += 1) {
      const weight = weights[index]!;
      if (!(weight > 0) || !Number.isFinite(weight)) continue;
      target -= weight;
      if (target < 0) return index;
    }
    return weights.length - 1;
  }

  shuffle<T>(items: T[]): T[] {
    for (let index = items.length - 1; index > 0; index -= 1) {
      const other = this.integer(index + 1);
      [items[index], items[other]] = [items[other]!, items[index]!];
    }
    return items;
  }

  saveState(): number[] {
    return Array.from(this.state);
  }

  static fromState(state: readonly number[]): Random {
    const random = new Random(0);
    random.state = Uint32Array.from(state);
    return random;
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
