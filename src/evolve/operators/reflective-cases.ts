import type { JsonObject, JsonValue } from '../../core/json.ts';
import { truncateMiddle } from '../evaluate/truncate-text.ts';
import type { FailingCases } from '../types.ts';

/**
 * The failing cases a reflective mutation reads: what an evaluator reported about the cases its
 * program failed (tasks with the agent's trajectory, tests with the output), under an artifact name
 * listed in `settings.reflection.artifacts`. They are taken from the parent's stored record, not
 * from the snapshot operators see (which cuts every artifact to a share of 4,000 characters and so
 * turns a long list into text), and bounded here per case, so a case keeps its fields.
 */
export interface ReflectionSettings {
  /** Artifact names that hold failing cases; the first one present with a value is read. */
  artifacts: string[];
  /** Cases shown at most (the first ones, in the evaluator's order). */
  maxCases: number;
  /** Characters of one case at most (cut in the middle). */
  caseChars: number;
}

export const defaultReflection: ReflectionSettings = {
  artifacts: ['failing_trajectories', 'failures'],
  maxCases: 4,
  caseChars: 1500,
};

/**
 * The parent's failing cases as text, one entry per case, or undefined when it has none. An array
 * gives one case per item; an object or a string is one case; an empty array, object or string,
 * or null, is no case.
 */
export function failingCasesOf(artifacts: JsonObject, settings: ReflectionSettings): FailingCases | undefined {
  for (const artifact of settings.artifacts) {
    const value = artifacts[artifact];
    const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
    const cases = items.filter((item) => !isEmpty(item)).slice(0, settings.maxCases);
    if (cases.length > 0) return { artifact, cases: cases.map((item) => truncateMiddle(renderCase(item), settings.caseChars)) };
  }
  return undefined;
}

function isEmpty(value: JsonValue): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** An object as `field: value` lines (nested values as JSON), anything else as its text. */
function renderCase(value: JsonValue): string {
  if (typeof value === 'string') return value.trim();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  return Object.entries(value)
    .map(([field, inner]) => `${field}: ${typeof inner === 'string' ? inner : JSON.stringify(inner)}`)
    .join('\n');
}
