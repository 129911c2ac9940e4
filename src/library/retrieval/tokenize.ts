/**
 * Text to index terms: lowercase words of letters and digits, common English stop words dropped,
 * and a light suffix strip so "failing", "fails" and "failed" meet at "fail".
 */
const stopWords = new Set(
  (
    'a an and are as at be been but by can do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so such than that the their them then there these they this to was we ' +
    'were what when where which while who will with would you your should must may use using'
  ).split(' '),
);

const wordPattern = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(wordPattern)) {
    const word = match[0];
    if (word.length < 2 || stopWords.has(word)) continue;
    terms.push(stem(word));
  }
  return terms;
}

export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let base = word;
  if (base.endsWith('ies') && base.length > 4) base = `${base.slice(0, -3)}y`;
  else if (base.endsWith('ing') && base.length >= 6) base = undouble(base.slice(0, -3));
  else if (base.endsWith('ed') && base.length >= 5) base = undouble(base.slice(0, -2));
  else if (/(?:ss|x|ch|sh)es$/.test(base)) base = base.slice(0, -2);
  else if (base.endsWith('s') && !/(?:ss|us|is)$/.test(base)) base = base.slice(0, -1);
  // A final "e" goes too, so "parse", "parses", "parsed" and "parsing" all become "pars".
  if (base.endsWith('e') && base.length > 3) base = base.slice(0, -1);
  return base;
}

function undouble(word: string): string {
  // "stopp" → "stop", "runn" → "run"; keeps "fall", "pass".
  const last = word.at(-1);
  return last !== undefined && last === word.at(-2) && !'lsz'.includes(last) ? word.slice(0, -1) : word;
}

/** A rough token count (about four characters per token) used for budgets when no tokenizer is given. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
