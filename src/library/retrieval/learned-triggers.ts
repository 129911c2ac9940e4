import type { JsonObject, JsonValue } from '../../core/json.ts';

/**
 * Implicit routing learned from outcomes. When a retrieved item was used in a task the verifier
 * passed, the task's salient terms that the item's own text lacks become triggers of that item;
 * a failed use counts against them. Older evidence decays with every new outcome for the item, so
 * the triggers follow what works now. At query time a term the item learned adds to (or, when negative, takes from) its
 * score in proportion to the term's rarity.
 */
export interface LearnedTriggerOptions {
  /** Evidence kept per outcome of the same item (older weights are multiplied by it). Default 0.95. */
  decay?: number;
  /** What a passed use adds to each salient term. Default 1. */
  reward?: number;
  /** What a failed use takes from each salient term. Default 0.5. */
  penalty?: number;
  /** Most terms of a task taken as salient (the rarest ones). Default 8. */
  salientTerms?: number;
  /** Most triggers kept per item (the strongest by absolute weight). Default 48. */
  maximumTriggers?: number;
}

export interface Outcome {
  /** The task's index terms with their rarity (idf) in the library. */
  terms: ReadonlyMap<string, number>;
  /** Ids of the items the task used. */
  used: readonly string[];
  passed: boolean;
  /**
   * Whether an item's own text already holds a term. Such a term is not learned: the text ranks
   * it already, and learning it again double-counts it and pulls every other task that shares
   * the word toward the item (on the development split, 100 outcomes learned that way cost new
   * wordings up to 0.06 top-1; learning only the words the text lacks cost nothing).
   */
  known?: (id: string, term: string) => boolean;
}

export class LearnedTriggers {
  readonly #byItem = new Map<string, Map<string, number>>();
  readonly #byTerm = new Map<string, Map<string, number>>();
  readonly #decay: number;
  readonly #reward: number;
  readonly #penalty: number;
  readonly #salientTerms: number;
  readonly #maximumTriggers: number;

  constructor(options: LearnedTriggerOptions = {}) {
    this.#decay = options.decay ?? 0.95;
    this.#reward = options.reward ?? 1;
    this.#penalty = options.penalty ?? 0.5;
    this.#salientTerms = options.salientTerms ?? 8;
    this.#maximumTriggers = options.maximumTriggers ?? 48;
  }

  get itemCount(): number {
    return this.#byItem.size;
  }

  /** An item's learned triggers, strongest first. */
  triggersOf(id: string): { term: string; weight: number }[] {
    return [...(this.#byItem.get(id) ?? [])]
      .map(([term, weight]) => ({ term, weight }))
      .sort((first, second) => Math.abs(second.weight) - Math.abs(first.weight) || first.term.localeCompare(second.term));
  }

  learn(outcome: Outcome): void {
    const salient = [...outcome.terms]
      .sort((first, second) => second[1] - first[1] || first[0].localeCompare(second[0]))
      .slice(0, this.#salientTerms)
      .map(([term]) => term);
    if (salient.length === 0) return;
    const change = outcome.passed ? this.#reward : -this.#penalty;
    for (const id of new Set(outcome.used)) {
      const triggers = new Map([...(this.#byItem.get(id) ?? [])].map(([term, weight]) => [term, weight * this.#decay]));
      for (const term of salient) {
        if (outcome.known?.(id, term) === true) continue;
        triggers.set(term, (triggers.get(term) ?? 0) + change);
      }
      this.#replace(id, triggers);
    }
  }

  /**
   * Each item's adjustment for a query: Σ over query terms of weight × idf × |w| / (|w| + 1),
   * signed as w. Saturating, so one trigger cannot outweigh the text itself.
   */
  adjustments(query: ReadonlyMap<string, number>, idf: (term: string) => number): Map<string, number> {
    const result = new Map<string, number>();
    for (const [term, queryWeight] of query) {
      const items = this.#byTerm.get(term);
      if (items === undefined) continue;
      const rarity = idf(term);
      for (const [id, weight] of items) {
        const magnitude = Math.abs(weight);
        result.set(id, (result.get(id) ?? 0) + Math.sign(weight) * queryWeight * rarity * (magnitude / (magnitude + 1)));
      }
    }
    return result;
  }

  forget(id: string): void {
    this.#replace(id, new Map());
  }

  /** Every item with triggers. */
  items(): { id: string; triggers: Map<string, number> }[] {
    return [...this.#byItem].map(([id, triggers]) => ({ id, triggers: new Map(triggers) }));
  }

  /** Replaces an item's triggers outright (for rollback). */
  set(id: string, triggers: ReadonlyMap<string, number>): void {
    this.#replace(id, new Map(triggers));
  }

  toJson(): JsonObject {
    const items: JsonObject = {};
    for (const id of [...this.#byItem.keys()].sort()) {
      const triggers: JsonObject = {};
      for (const { term, weight } of this.triggersOf(id)) triggers[term] = Math.round(weight * 1e4) / 1e4;
      items[id] = triggers;
    }
    return { format: 1, items };
  }

  /** Reads what toJson wrote; anything else is a clear error naming what is wrong. */
  static fromJson(value: JsonValue, options: LearnedTriggerOptions = {}): LearnedTriggers {
    const triggers = new LearnedTriggers(options);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value['format'] !== 1) {
      throw new TypeError('learned triggers: expected an object with format 1');
    }
    const items = value['items'];
    if (typeof items !== 'object' || items === null || Array.isArray(items)) throw new TypeError('learned triggers: `items` must be an object');
    for (const [id, terms] of Object.entries(items)) {
      if (typeof terms !== 'object' || terms === null || Array.isArray(terms)) throw new TypeError(`learned triggers: items.${id} must be an object`);
      const map = new Map<string, number>();
      for (const [term, weight] of Object.entries(terms)) {
        if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new TypeError(`learned triggers: items.${id}.${term} must be a finite number`);
        map.set(term, weight);
      }
      triggers.#replace(id, map);
    }
    return triggers;
  }

  #replace(id: string, triggers: Map<string, number>): void {
    for (const term of this.#byItem.get(id)?.keys() ?? []) {
      const items = this.#byTerm.get(term)!;
      items.delete(id);
      if (items.size === 0) this.#byTerm.delete(term);
    }
    const kept = [...triggers]
      .filter(([, weight]) => Math.abs(weight) >= 0.01)
      .sort((first, second) => Math.abs(second[1]) - Math.abs(first[1]))
      .slice(0, this.#maximumTriggers);
    if (kept.length === 0) {
      this.#byItem.delete(id);
      return;
    }
    this.#byItem.set(id, new Map(kept));
    for (const [term, weight] of kept) {
      let items = this.#byTerm.get(term);
      if (items === undefined) {
        items = new Map();
        this.#byTerm.set(term, items);
      }
      items.set(id, weight);
    }
  }
}
