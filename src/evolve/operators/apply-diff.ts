import { ModelOutputError } from '../../core/errors.ts';
import { blockSkeleton, containsMarker, findEvolveBlocks, type EvolveBlock } from '../evolve-blocks.ts';
import { parseSearchReplace, type SearchReplaceEdit } from './parse-search-replace.ts';

/**
 * Applies SEARCH/REPLACE edits to a program, only inside its EVOLVE-BLOCKs. Pure: the input files
 * are not modified. Every rejection is a ModelOutputError (code `diff-rejected`) whose message says
 * which block failed and why, so it can go back into the next prompt.
 *
 * Matching: exact text first; when absent, line by line ignoring indentation and runs of spaces
 * (blank lines skipped). A SEARCH matching several places inside the blocks is ambiguous; one
 * matching only outside them is an edit outside the blocks. Both are rejected.
 */
export interface ApplyDiffOptions {
  /** Files that carry EVOLVE-BLOCKs; the only ones an edit may change. */
  evolvableFiles: readonly string[];
}

export interface AppliedEdit {
  number: number;
  file: string;
  /** 0-based index of the EVOLVE-BLOCK the edit landed in. */
  block: number;
  match: 'exact' | 'whitespace';
}

export interface ApplyDiffResult {
  files: Record<string, string>;
  edits: AppliedEdit[];
}

interface Candidate {
  file: string;
  start: number;
  end: number;
  block: number | null;
  /** Indentation of the matched text's first line, for re-indenting a whitespace match. */
  indentation: string | null;
}

export function applyDiffReply(files: Readonly<Record<string, string>>, reply: string, options: ApplyDiffOptions): ApplyDiffResult {
  return applyDiff(files, parseSearchReplace(reply), options);
}

export function applyDiff(
  files: Readonly<Record<string, string>>,
  edits: readonly SearchReplaceEdit[],
  options: ApplyDiffOptions,
): ApplyDiffResult {
  // Work on LF text; files that were entirely CRLF are converted back at the end.
  const working: Record<string, string> = {};
  const crlf = new Set<string>();
  for (const path of options.evolvableFiles) {
    const content = files[path];
    if (content === undefined) throw new ModelOutputError(`evolvable file ${path} is missing from the program`, { code: 'diff-rejected' });
    if (isEntirelyCrlf(content)) crlf.add(path);
    working[path] = content.replace(/\r\n/g, '\n');
  }
  const applied: AppliedEdit[] = [];
  for (const edit of edits) {
    const targets = resolveTargets(edit, files, options.evolvableFiles);
    const search = edit.search.replace(/\r/g, '');
    const replace = edit.replace.replace(/\r/g, '');
    if (search.trim() === '') reject(edit, 'the SEARCH part is empty; quote the exact lines to replace');
    if (containsMarker(search) || containsMarker(replace)) {
      reject(edit, 'it contains an EVOLVE-BLOCK marker; edits must stay strictly between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END and keep the markers');
    }
    let match: 'exact' | 'whitespace' = 'exact';
    let candidates = targets.flatMap((file) => exactCandidates(file, working[file]!, search));
    if (candidates.length === 0) {
      match = 'whitespace';
      candidates = targets.flatMap((file) => whitespaceCandidates(file, working[file]!, search));
    }
    const inside = candidates.filter((candidate) => candidate.block !== null);
    if (candidates.length === 0) {
      const where = targets.length === 1 ? targets[0]! : `any of ${targets.join(', ')}`;
      reject(edit, `the SEARCH text (first line: ${JSON.stringify(firstLine(search))}) was not found in ${where}, neither exactly nor ignoring whitespace`);
    }
    if (inside.length === 0) {
      const places = candidates.map((candidate) => describePlace(working[candidate.file]!, candidate)).join(', ');
      reject(edit, `the SEARCH text matches only outside the EVOLVE-BLOCKs (${places}); only code between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END may change`);
    }
    if (inside.length > 1) {
      const places = inside.map((candidate) => describePlace(working[candidate.file]!, candidate)).join(', ');
      reject(edit, `the SEARCH text is ambiguous: it matches ${inside.length} places (${places}); include more surrounding lines so it matches one`);
    }
    const chosen = inside[0]!;
    const content = working[chosen.file]!;
    const replacement = match === 'whitespace' ? reindent(replace, search, chosen.indentation ?? '') : replace;
    working[chosen.file] = content.slice(0, chosen.start) + replacement + content.slice(chosen.end);
    applied.push({ number: edit.number, file: chosen.file, block: chosen.block!, match });
  }
  const result: Record<string, string> = { ...files };
  for (const path of options.evolvableFiles) {
    const original = files[path]!;
    let updated = working[path]!;
    if (crlf.has(path)) updated = updated.replace(/\n/g, '\r\n');
    if (updated === original) continue;
    assertOutsideUnchanged(path, original, updated);
    result[path] = updated;
  }
  return { files: result, edits: applied };
}

/** The files an edit may apply to: the one its path line names, or every evolvable file. */
function resolveTargets(edit: SearchReplaceEdit, files: Readonly<Record<string, string>>, evolvable: readonly string[]): string[] {
  if (edit.pathHint === null) return [...evolvable];
  const hint = edit.pathHint.replace(/^\.\//, '');
  const named = (path: string): boolean => path === hint || path.endsWith(`/${hint}`) || hint.endsWith(`/${path}`);
  const evolvableMatch = evolvable.filter(named);
  if (evolvableMatch.length === 1) return evolvableMatch;
  if (evolvableMatch.length > 1) reject(edit, `the file name ${hint} matches several files (${evolvableMatch.join(', ')}); give the full path`);
  const other = Object.keys(files).find(named);
  if (other !== undefined) reject(edit, `it targets ${other}, which has no EVOLVE-BLOCK and may not change`);
  // The line above the SEARCH was prose, not a path.
  return [...evolvable];
}

function exactCandidates(file: string, content: string, search: string): Candidate[] {
  const blocks = safeBlocks(file, content);
  const candidates: Candidate[] = [];
  let from = 0;
  for (;;) {
    const start = content.indexOf(search, from);
    if (start === -1) break;
    const end = start + search.length;
    candidates.push({ file, start, end, block: blockContaining(blocks, start, end), indentation: null });
    from = start + 1;
  }
  return candidates;
}

/** Line-by-line matches ignoring indentation, runs of blanks and blank lines. */
function whitespaceCandidates(file: string, content: string, search: string): Candidate[] {
  const wanted = search
    .split('\n')
    .map(normalizeLine)
    .filter((line) => line !== '');
  if (wanted.length === 0) return [];
  const lines: { start: number; end: number; text: string; raw: string }[] = [];
  let position = 0;
  for (const raw of content.split('\n')) {
    const text = normalizeLine(raw);
    if (text !== '') lines.push({ start: position, end: position + raw.length, text, raw });
    position += raw.length + 1;
  }
  const blocks = safeBlocks(file, content);
  const candidates: Candidate[] = [];
  for (let first = 0; first + wanted.length <= lines.length; first += 1) {
    let matches = true;
    for (let offset = 0; offset < wanted.length; offset += 1) {
      if (lines[first + offset]!.text !== wanted[offset]) {
        matches = false;
        break;
      }
    }
    if (!matches) continue;
    const indentation = /^[ \t]*/.exec(lines[first]!.raw)![0];
    const start = lines[first]!.start + indentation.length;
    const end = lines[first + wanted.length - 1]!.end;
    candidates.push({ file, start, end, block: blockContaining(blocks, start, end), indentation });
  }
  return candidates;
}

function normalizeLine(line: string): string {
  return line.trim().replace(/[ \t]+/g, ' ');
}

/**
 * A whitespace match usually means the model got the indentation wrong in both halves; shift the
 * replacement by the same amount so it lands at the file's indentation.
 */
function reindent(replace: string, search: string, targetIndentation: string): string {
  const firstSearchLine = search.split('\n').find((line) => line.trim() !== '') ?? '';
  const modelIndentation = /^[ \t]*/.exec(firstSearchLine)![0];
  const lines = replace.split('\n');
  // Drop blank lines at the ends: the match region starts and ends on non-blank lines.
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const shift = targetIndentation.length - modelIndentation.length;
  const shifted = lines.map((line, index) => {
    if (line.trim() === '') return '';
    let moved: string;
    if (line.startsWith(modelIndentation)) {
      moved = targetIndentation + line.slice(modelIndentation.length);
    } else {
      // Indented less than the SEARCH's first line: shift by the same amount, keeping nesting.
      const lead = /^[ \t]*/.exec(line)![0];
      moved = shift >= 0 ? ' '.repeat(shift) + line : lead.slice(Math.min(lead.length, -shift)) + line.slice(lead.length);
    }
    // The first line's indentation is already in the file before the match start.
    return index === 0 ? moved.trimStart() : moved;
  });
  return shifted.join('\n');
}

function blockContaining(blocks: readonly EvolveBlock[], start: number, end: number): number | null {
  for (const block of blocks) {
    if (start >= block.interiorStart && end <= block.interiorEnd) return block.index;
  }
  return null;
}

function safeBlocks(file: string, content: string): EvolveBlock[] {
  try {
    return findEvolveBlocks(content, file);
  } catch {
    // A parent with broken markers has no editable region at all.
    return [];
  }
}

function assertOutsideUnchanged(path: string, original: string, updated: string): void {
  let originalBlocks: EvolveBlock[];
  let updatedBlocks: EvolveBlock[];
  try {
    originalBlocks = findEvolveBlocks(original, path);
    updatedBlocks = findEvolveBlocks(updated, path);
  } catch (error) {
    throw new ModelOutputError(`the edits to ${path} broke its EVOLVE-BLOCK markers: ${(error as Error).message}`, { code: 'diff-rejected' });
  }
  if (originalBlocks.length !== updatedBlocks.length || blockSkeleton(original, originalBlocks) !== blockSkeleton(updated, updatedBlocks)) {
    throw new ModelOutputError(`the edits to ${path} changed text outside its EVOLVE-BLOCKs; only code between the markers may change`, {
      code: 'diff-rejected',
    });
  }
}

function describePlace(content: string, candidate: Candidate): string {
  const line = content.slice(0, candidate.start).split('\n').length;
  return `${candidate.file}:${line}`;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line.trim();
}

function isEntirelyCrlf(content: string): boolean {
  const newlines = content.split('\n').length - 1;
  return newlines > 0 && content.split('\r\n').length - 1 === newlines;
}

function reject(edit: SearchReplaceEdit, reason: string): never {
  throw new ModelOutputError(`SEARCH/REPLACE block ${edit.number} rejected: ${reason}`, { code: 'diff-rejected' });
}
