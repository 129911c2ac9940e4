import { stemmer } from 'stemmer';

/**
 * Text to index terms for ranking: words of letters and digits, stop words of English and of the
 * way people phrase tasks ("how do I", "please", "need to") dropped, and each word reduced to its
 * Porter stem so "parse", "parses" and "parsing" meet. Compounds written with a hyphen, dot or
 * camel case ("date-time", "tar.gz", "dateTime") also yield the joined word, so they meet the
 * spelling without a separator ("datetime", "targz").
 */
const englishStopWords =
  'a about above after again against all am an and any are as at be because been before being below between both but by ' +
  'can could did do does doing down during each few for from further had has have having he her here hers him his how ' +
  'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours out ' +
  'over own same she should so some such than that the their theirs them then there these they this those through to ' +
  'too under until up very was we were what when where which while who whom why will with would you your yours';

// The task register: words that say someone wants something done, not what.
const taskRegisterStopWords =
  'please need needs needed want wants wanted wanting like would help helps trying try tried anyone someone somebody ' +
  'something thing things stuff way ways really actually also just im ive id dont cant doesnt isnt wont us let lets ' +
  'currently basically quick quickly simple simply best good better properly correct correctly right ok okay hi hey ' +
  'thanks thank possible able seem seems getting got going go don didn doesn isn wasn aren won ll ve re';

export const stopWords: ReadonlySet<string> = new Set(`${englishStopWords} ${taskRegisterStopWords}`.split(' '));

const compoundPattern = /[\p{L}\p{N}]+(?:[-._'’][\p{L}\p{N}]+)*/gu;
const partPattern = /[\p{L}\p{N}]+/gu;

const stemCache = new Map<string, string>();

/** The Porter stem of a lowercase word, cached: a library repeats its words many times. */
export function stemWord(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    stem = /\d/.test(word) ? word : stemmer(word);
    if (stemCache.size < 200_000) stemCache.set(word, stem);
  }
  return stem;
}

/** Lowercase words of a text with stop words removed, before stemming (for lexical look-ups). */
export function contentWords(text: string): string[] {
  const words: string[] = [];
  // Most library text is ASCII: a scan by character code gives the same words several times
  // faster than the Unicode patterns (analysis was the largest part of building an index).
  if (asciiContentWords(text, words)) return words;
  return contentWordsByPattern(text);
}

/**
 * contentWords by Unicode patterns, for any text (used when a text is not all ASCII; the ASCII
 * scan must agree with it, which a test checks).
 */
export function contentWordsByPattern(text: string): string[] {
  const words: string[] = [];
  for (const compound of splitCamelCase(text).matchAll(compoundPattern)) {
    addCompound(compound[0].toLowerCase().match(partPattern) ?? [], words);
  }
  return words;
}

function addCompound(parts: readonly string[], words: string[]): void {
  for (const part of parts) {
    if (part.length >= 2 && !stopWords.has(part)) words.push(part);
  }
  if (parts.length > 1) {
    const joined = parts.join('');
    if (joined.length <= 24 && !stopWords.has(joined)) words.push(joined);
  }
}

/**
 * The words of an ASCII text into `words`, as contentWordsByPattern finds them: compounds are
 * runs of letters and digits joined by one of - . _ ' and split where camel case changes; false
 * (and `words` unusable) as soon as a character is not ASCII.
 */
function asciiContentWords(text: string, words: string[]): boolean {
  const length = text.length;
  // Lowercasing keeps an ASCII text's positions; a non-ASCII character stops the scan before
  // any position past it is used.
  const lower = text.toLowerCase();
  const parts: string[] = [];
  let position = 0;
  while (position < length) {
    const code = text.charCodeAt(position);
    if (code > 127) return false;
    if (!isAlphanumeric(code)) {
      position += 1;
      continue;
    }
    parts.length = 0;
    let partStart = position;
    let cursor = position + 1;
    for (;;) {
      while (cursor < length) {
        const current = text.charCodeAt(cursor);
        if (current > 127) return false;
        if (!isAlphanumeric(current)) break;
        const before = text.charCodeAt(cursor - 1);
        // "dateTime" splits before T; "URLSearch" splits before S (an upper letter between an upper and a lower one).
        if ((isLower(before) && isUpper(current)) || (isUpper(before) && isUpper(current) && cursor + 1 < length && isLower(text.charCodeAt(cursor + 1)))) {
          parts.push(lower.slice(partStart, cursor));
          partStart = cursor;
        }
        cursor += 1;
      }
      parts.push(lower.slice(partStart, cursor));
      if (cursor + 1 < length && isSeparator(text.charCodeAt(cursor)) && isAlphanumeric(text.charCodeAt(cursor + 1))) {
        partStart = cursor + 1;
        cursor += 2;
        continue;
      }
      break;
    }
    position = cursor;
    addCompound(parts, words);
  }
  return true;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

// The compound separators of compoundPattern that are ASCII: - . _ '
function isSeparator(code: number): boolean {
  return code === 45 || code === 46 || code === 95 || code === 39;
}

/** Index terms of a text: its content words, stemmed. */
export function analyze(text: string): string[] {
  return contentWords(text).map(stemWord);
}

function splitCamelCase(text: string): string {
  // "dateTime" → "date-Time", "URLSearch" → "URL-Search": the hyphen makes the parts a compound.
  return text.replace(/(\p{Ll})(\p{Lu})/gu, '$1-$2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1-$2');
}
