/**
 * The object without its keys whose value is `undefined`. Under `exactOptionalPropertyTypes` an
 * optional field may be absent but not `undefined`, and zod's optional fields and spread flags carry
 * `undefined`; this turns one into the other in one step.
 */
export function definedOnly<T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value ?? {})) if (item !== undefined) result[key] = item;
  return result as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `convert(value)` for a value that is there; `undefined` stays `undefined` (for `definedOnly` to leave out). */
export function mapDefined<T, R>(value: T | undefined, convert: (present: T) => R): R | undefined {
  return value === undefined ? undefined : convert(value);
}
