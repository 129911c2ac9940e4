import type { JsonObject, JsonValue } from '../../core/json.ts';
import type { StateStore } from '../../store/record-families.ts';
import { LearnedTriggers } from './learned-triggers.ts';

/**
 * Learned triggers are versioned like the library: every change writes a new numbered version
 * (with its parent, a message and the whole table), and a rollback is a new version whose table
 * is an old one's. Writers in several processes are safe: a version number is claimed with an
 * atomic compare-and-set before the head moves to it, and a writer that loses the race re-reads
 * the head and applies its change again.
 */
export interface TriggerVersion {
  number: number;
  parent: number | null;
  message: string;
  createdAt: number;
  triggers: LearnedTriggers;
}

const scope = 'retrieval.learned-triggers';
const headKey = 'head';
const maximumAttempts = 32;

function versionKey(number: number): string {
  return `version.${number}`;
}

export class TriggerHistory {
  readonly #store: StateStore;
  readonly #now: () => number;

  constructor(store: StateStore, options: { now?: () => number } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
  }

  /** The number of the current version; 0 before anything was learned. */
  async headNumber(): Promise<number> {
    const head = await this.#store.getState(scope, headKey);
    return head === undefined ? 0 : readNumber(head, 'head');
  }

  /** The current version, or version 0 (empty) when nothing was learned yet. */
  async head(): Promise<TriggerVersion> {
    return this.version(await this.headNumber());
  }

  async version(number: number): Promise<TriggerVersion> {
    if (number === 0) return { number: 0, parent: null, message: 'nothing learned', createdAt: 0, triggers: new LearnedTriggers() };
    const stored = await this.#store.getState(scope, versionKey(number));
    if (stored === undefined) throw new RangeError(`learned triggers have no version ${number}`);
    const document = stored as JsonObject;
    return {
      number,
      parent: typeof document['parent'] === 'number' ? document['parent'] : null,
      message: String(document['message'] ?? ''),
      createdAt: typeof document['createdAt'] === 'number' ? document['createdAt'] : 0,
      triggers: LearnedTriggers.fromJson(document['triggers'] as JsonValue),
    };
  }

  /** Every version, oldest first. */
  async history(): Promise<Omit<TriggerVersion, 'triggers'>[]> {
    const head = await this.headNumber();
    const versions: Omit<TriggerVersion, 'triggers'>[] = [];
    for (let number = 1; number <= head; number += 1) {
      const { triggers: _triggers, ...summary } = await this.version(number);
      versions.push(summary);
    }
    return versions;
  }

  /** Applies `change` to the head's table and stores the result as the next version. */
  async commit(message: string, change: (triggers: LearnedTriggers) => void): Promise<TriggerVersion> {
    for (let attempt = 0; attempt < maximumAttempts; attempt += 1) {
      const head = await this.head();
      change(head.triggers);
      const number = head.number + 1;
      const createdAt = this.#now();
      const document: JsonObject = { parent: head.number, message, createdAt, triggers: head.triggers.toJson() };
      if (!(await this.#store.compareAndSetState(scope, versionKey(number), undefined, document))) {
        // Another writer claimed this number; if it died before moving the head, move it for it.
        await this.#store.compareAndSetState(scope, headKey, head.number === 0 ? undefined : { number: head.number }, { number });
        continue;
      }
      if (await this.#store.compareAndSetState(scope, headKey, head.number === 0 ? undefined : { number: head.number }, { number })) {
        return { number, parent: head.number, message, createdAt, triggers: head.triggers };
      }
    }
    throw new Error(`learned triggers: gave up after ${maximumAttempts} conflicting writes`);
  }

  /** Makes an old version's table current again, as a new version. */
  async rollback(number: number): Promise<TriggerVersion> {
    const target = await this.version(number);
    const table = target.triggers.toJson();
    return this.commit(`rollback to version ${number}`, (triggers) => {
      const restored = LearnedTriggers.fromJson(table);
      for (const { id } of triggers.items()) triggers.forget(id);
      for (const { id, triggers: terms } of restored.items()) triggers.set(id, terms);
    });
  }
}

function readNumber(value: JsonValue, what: string): number {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value['number'] === 'number') return value['number'];
  throw new TypeError(`learned triggers: the ${what} record is malformed`);
}
