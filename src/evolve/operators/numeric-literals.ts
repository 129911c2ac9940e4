import { createHash } from 'node:crypto';
import { findEvolveBlocks } from '../evolve-blocks.ts';

/**
 * Finds the numeric literals inside a program's EVOLVE-BLOCKs, skipping strings, comments, parts of
 * identifiers (`x1`, `float32`), hex and suffixed literals, subscripts (`a[0]`) and the values 0
 * and 1 (`0`, `1`, `0.0`, `1.0`), which are almost always structural. A unary minus is taken into the literal when one
 * precedes it, so signs can change safely.
 */
export interface NumericLiteral {
  file: string;
  /** Offsets of the literal's text (sign included when `signed`). */
  start: number;
  end: number;
  text: string;
  value: number;
  integer: boolean;
  /** Whether a unary minus was taken into the literal. */
  signed: boolean;
}

export interface LiteralScan {
  literals: NumericLiteral[];
  /** A digest of the blocks with every tuned literal blanked: programs that differ only in these numbers share it. */
  structureKey: string;
}

type CommentStyle = { line: string[]; block: [string, string][]; tripleQuotes: boolean; backticks: boolean };

const hashLanguages = new Set(['py', 'sh', 'bash', 'rb', 'r', 'pl', 'jl', 'yaml', 'yml', 'toml', 'nim', 'ex', 'exs', 'cr', 'tcl', 'ps1', 'mk']);
const slashLanguages = new Set([
  'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'java', 'go', 'rs', 'kt', 'swift',
  'cs', 'scala', 'php', 'dart', 'v', 'sv', 'glsl', 'zig', 'cu', 'wgsl',
]);
const dashLanguages = new Set(['sql', 'lua', 'hs', 'ada', 'elm']);
const percentLanguages = new Set(['m', 'tex', 'erl']);
const semicolonLanguages = new Set(['lisp', 'clj', 'scm', 'el', 'asm', 's', 'ini']);

function commentStyle(path: string): CommentStyle {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (hashLanguages.has(extension)) return { line: ['#'], block: [], tripleQuotes: extension === 'py', backticks: false };
  if (slashLanguages.has(extension)) return { line: ['//'], block: [['/*', '*/']], tripleQuotes: false, backticks: true };
  if (dashLanguages.has(extension)) return { line: ['--'], block: extension === 'lua' ? [['--[[', ']]']] : [['{-', '-}']], tripleQuotes: false, backticks: false };
  if (percentLanguages.has(extension)) return { line: ['%'], block: [], tripleQuotes: false, backticks: false };
  if (semicolonLanguages.has(extension)) return { line: [';'], block: [], tripleQuotes: false, backticks: false };
  return { line: [], block: [], tripleQuotes: false, backticks: false };
}

const numberPattern = /(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/y;
const unaryContext = /[([{,=:+\-*/%<>!&|^~?;]/;
const identifierChar = /[A-Za-z0-9_$]/;

export function scanNumericLiterals(files: Readonly<Record<string, string>>, evolvableFiles: readonly string[]): LiteralScan {
  const literals: NumericLiteral[] = [];
  const hash = createHash('sha256');
  for (const file of evolvableFiles) {
    const content = files[file];
    if (content === undefined) continue;
    const style = commentStyle(file);
    for (const block of findEvolveBlocks(content, file)) {
      const found = scanRegion(content, block.interiorStart, block.interiorEnd, file, style);
      let position = block.interiorStart;
      hash.update(`\u0000${file}\u0000`);
      for (const literal of found) {
        hash.update(content.slice(position, literal.start));
        hash.update(literal.integer ? '\u0001i' : '\u0001f');
        position = literal.end;
      }
      hash.update(content.slice(position, block.interiorEnd));
      literals.push(...found);
    }
  }
  return { literals, structureKey: hash.digest('hex').slice(0, 24) };
}

function scanRegion(content: string, start: number, end: number, file: string, style: CommentStyle): NumericLiteral[] {
  const found: NumericLiteral[] = [];
  let index = start;
  while (index < end) {
    const char = content[index]!;
    const blockComment = style.block.find(([open]) => content.startsWith(open, index));
    if (blockComment !== undefined) {
      const close = content.indexOf(blockComment[1], index + blockComment[0].length);
      index = close === -1 ? end : close + blockComment[1].length;
      continue;
    }
    if (style.line.some((opener) => content.startsWith(opener, index))) {
      const newline = content.indexOf('\n', index);
      index = newline === -1 ? end : newline;
      continue;
    }
    if (char === '"' || char === "'" || (char === '`' && style.backticks)) {
      index = skipString(content, index, end, style.tripleQuotes);
      continue;
    }
    const startsNumber = /\d/.test(char) || (char === '.' && /\d/.test(content[index + 1] ?? ''));
    if (!startsNumber || (index > 0 && (identifierChar.test(content[index - 1]!) || content[index - 1] === '.'))) {
      // Skip the rest of an identifier at once, so `x12` is not seen as `12`.
      if (identifierChar.test(char)) {
        while (index < end && identifierChar.test(content[index]!)) index += 1;
      } else {
        index += 1;
      }
      continue;
    }
    numberPattern.lastIndex = index;
    const match = numberPattern.exec(content);
    const text = match![0];
    const after = content[index + text.length] ?? '';
    if (identifierChar.test(after) || after === '.') {
      // Hex, suffixed (1.0f, 10L, 2j) or digit-grouped (1_000) literals are left alone.
      index += text.length;
      while (index < end && (identifierChar.test(content[index]!) || content[index] === '.')) index += 1;
      continue;
    }
    const literalEnd = index + text.length;
    const integer = !/[.eE]/.test(text);
    const value = Number(text);
    // 0 and 1 (as 0.0 and 1.0 too) are identities and bounds far more often than tunable parameters.
    const excluded = value === 0 || value === 1 || isSubscript(content, index, literalEnd);
    if (!excluded && Number.isFinite(value)) {
      const signStart = unarySignStart(content, index, start);
      const signed = signStart !== null;
      found.push({
        file,
        start: signed ? signStart : index,
        end: literalEnd,
        text: content.slice(signed ? signStart : index, literalEnd),
        value: signed ? -value : value,
        integer,
        signed,
      });
    }
    index = literalEnd;
  }
  return found;
}

function skipString(content: string, index: number, end: number, tripleQuotes: boolean): number {
  const quote = content[index]!;
  if (tripleQuotes && content.startsWith(quote.repeat(3), index)) {
    const close = content.indexOf(quote.repeat(3), index + 3);
    return close === -1 ? end : close + 3;
  }
  let cursor = index + 1;
  while (cursor < end) {
    const char = content[cursor]!;
    if (char === '\\') {
      cursor += 2;
      continue;
    }
    if (char === quote) return cursor + 1;
    // Ordinary quotes end at the line; an apostrophe in prose must not swallow the file.
    if (char === '\n' && quote !== '`') return cursor;
    cursor += 1;
  }
  return end;
}

/** The offset of a unary minus right before the digits, or null when there is none (or it is binary). */
function unarySignStart(content: string, digitsStart: number, regionStart: number): number | null {
  const minus = digitsStart - 1;
  if (minus < regionStart || content[minus] !== '-') return null;
  let before = minus - 1;
  while (before >= regionStart && (content[before] === ' ' || content[before] === '\t')) before -= 1;
  if (before < regionStart || content[before] === '\n') return minus;
  return unaryContext.test(content[before]!) ? minus : null;
}

function isSubscript(content: string, start: number, end: number): boolean {
  let before = start - 1;
  while (before >= 0 && content[before] === ' ') before -= 1;
  let after = end;
  while (after < content.length && content[after] === ' ') after += 1;
  return content[before] === '[' && content[after] === ']';
}

/** Writes new values into the literals (same order as scanned). Floats stay floats, integers integers. */
export function writeNumericLiterals(
  files: Readonly<Record<string, string>>,
  literals: readonly NumericLiteral[],
  values: readonly number[],
): Record<string, string> {
  const result: Record<string, string> = { ...files };
  const byFile = new Map<string, { literal: NumericLiteral; value: number }[]>();
  literals.forEach((literal, index) => {
    const list = byFile.get(literal.file) ?? [];
    list.push({ literal, value: values[index]! });
    byFile.set(literal.file, list);
  });
  for (const [file, edits] of byFile) {
    let content = files[file]!;
    // From the end, so earlier offsets stay valid.
    for (const { literal, value } of [...edits].sort((left, right) => right.literal.start - left.literal.start)) {
      content = content.slice(0, literal.start) + formatLiteral(literal, value) + content.slice(literal.end);
    }
    result[file] = content;
  }
  return result;
}

export function formatLiteral(literal: NumericLiteral, value: number): string {
  let text: string;
  if (literal.integer) {
    text = String(Math.round(value));
  } else if (/\d[eE][+-]?\d/.test(literal.text)) {
    // Written as an order of magnitude, it stays one: `2.39e-6`, not `0.00000239`, so the tuner
    // (which searches such literals in larger steps) still reads it as one in the child.
    text = Number(value.toPrecision(12)).toExponential();
  } else {
    text = String(Number(value.toPrecision(12)));
    if (/^-?\d+$/.test(text)) text += '.0';
  }
  if (text === '-0' || text === '-0.0') text = text.slice(1);
  // Without a captured unary minus, a negative value is parenthesised so `x - v` stays binary.
  if (text.startsWith('-') && !literal.signed) return `(${text})`;
  return text;
}
