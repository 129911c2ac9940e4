/**
 * Converters come in opposite pairs ("csv-to-json" and "json-to-csv"), and both hold the same
 * words, so the words alone cannot tell them apart. The order can: a task names what it has
 * before what it wants ("turn this csv into json", "the csv export must become a list of
 * objects"). An item whose name reads "A-to-B" or "A-into-B" has a direction; a query that
 * reaches A's words before B's agrees with it, one that reaches B's first disagrees.
 */
export interface ConversionEnds {
  from: ReadonlySet<string>;
  to: ReadonlySet<string>;
}

const conversionName = /^(.+?)-(?:to|into)-(.+)$/u;

/** The two ends of a converter's name, as terms (`analyze` maps words to terms), or undefined. */
export function conversionEnds(name: string, analyze: (text: string) => string[]): ConversionEnds | undefined {
  const match = conversionName.exec(name);
  if (match === null) return undefined;
  const from = new Set(analyze(match[1]!.replace(/-/gu, ' ')));
  const to = new Set(analyze(match[2]!.replace(/-/gu, ' ')));
  for (const term of from) if (to.has(term)) return undefined;
  return from.size > 0 && to.size > 0 ? { from, to } : undefined;
}

/**
 * +1 when the query reaches the source before the target, −1 when the other way round, 0 when it
 * does not reach both. `reach` holds, per query word in order, the terms that word stands for
 * (itself and the words it expands to).
 */
export function directionAgreement(ends: ConversionEnds, reach: readonly ReadonlySet<string>[]): number {
  const first = (terms: ReadonlySet<string>): number => reach.findIndex((reached) => [...terms].some((term) => reached.has(term)));
  const from = first(ends.from);
  const to = first(ends.to);
  if (from === -1 || to === -1 || from === to) return 0;
  return from < to ? 1 : -1;
}
