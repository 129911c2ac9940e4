import { ModelOutputError } from '../../core/errors.ts';

/** One SEARCH/REPLACE block as written by the model. */
export interface SearchReplaceEdit {
  /** 1-based position of the block in the reply, for error messages. */
  number: number;
  /** The line just before `<<<<<<< SEARCH`, when it may name a file; resolved against the program's files later. */
  pathHint: string | null;
  search: string;
  replace: string;
}

const searchLine = /^[ \t]*<{5,}[ \t]*SEARCH[ \t]*$/;
const dividerLine = /^[ \t]*={5,}[ \t]*$/;
const replaceLine = /^[ \t]*>{5,}[ \t]*REPLACE[ \t]*$/;
const fenceLine = /^[ \t]*(```|~~~)/;

/**
 * Parses `<<<<<<< SEARCH / ======= / >>>>>>> REPLACE` blocks out of a model reply. Text around
 * the blocks (explanations, code fences) is ignored. Throws ModelOutputError for a malformed block
 * or a reply with none.
 */
export function parseSearchReplace(reply: string): SearchReplaceEdit[] {
  const lines = reply.replace(/\r\n/g, '\n').split('\n');
  const edits: SearchReplaceEdit[] = [];
  let index = 0;
  while (index < lines.length) {
    if (!searchLine.test(lines[index]!)) {
      // A stray REPLACE outside a block means the model lost the format.
      if (replaceLine.test(lines[index]!)) {
        throw new ModelOutputError(`SEARCH/REPLACE block ${edits.length + 1}: found ">>>>>>> REPLACE" without a preceding "<<<<<<< SEARCH"`, {
          code: 'diff-invalid',
          text: reply,
        });
      }
      index += 1;
      continue;
    }
    const number = edits.length + 1;
    const pathHint = findPathHint(lines, index);
    const search: string[] = [];
    let cursor = index + 1;
    while (cursor < lines.length && !dividerLine.test(lines[cursor]!)) {
      if (searchLine.test(lines[cursor]!) || replaceLine.test(lines[cursor]!)) {
        throw new ModelOutputError(`SEARCH/REPLACE block ${number}: the SEARCH part has no "=======" divider`, { code: 'diff-invalid', text: reply });
      }
      search.push(lines[cursor]!);
      cursor += 1;
    }
    if (cursor >= lines.length) {
      throw new ModelOutputError(`SEARCH/REPLACE block ${number}: the SEARCH part has no "=======" divider`, { code: 'diff-invalid', text: reply });
    }
    cursor += 1;
    const replace: string[] = [];
    while (cursor < lines.length && !replaceLine.test(lines[cursor]!)) {
      if (searchLine.test(lines[cursor]!)) {
        throw new ModelOutputError(`SEARCH/REPLACE block ${number}: no ">>>>>>> REPLACE" line before the next SEARCH`, { code: 'diff-invalid', text: reply });
      }
      replace.push(lines[cursor]!);
      cursor += 1;
    }
    if (cursor >= lines.length) {
      throw new ModelOutputError(`SEARCH/REPLACE block ${number}: no ">>>>>>> REPLACE" line ends it`, { code: 'diff-invalid', text: reply });
    }
    edits.push({ number, pathHint, search: search.join('\n'), replace: replace.join('\n') });
    index = cursor + 1;
  }
  if (edits.length === 0) {
    throw new ModelOutputError('the reply contains no SEARCH/REPLACE blocks (<<<<<<< SEARCH / ======= / >>>>>>> REPLACE)', {
      code: 'diff-invalid',
      text: reply,
    });
  }
  return edits;
}

/** The nearest non-blank line above the SEARCH marker, skipping a code fence, cleaned of decoration. */
function findPathHint(lines: readonly string[], searchIndex: number): string | null {
  let cursor = searchIndex - 1;
  while (cursor >= 0 && (lines[cursor]!.trim() === '' || fenceLine.test(lines[cursor]!))) {
    if (fenceLine.test(lines[cursor]!) && lines[cursor]!.trim().length > 3) {
      // ```path/to/file.py is also a way to name the file.
      const fenced = cleanPath(lines[cursor]!.trim().slice(3));
      if (fenced.includes('.') || fenced.includes('/')) return fenced;
    }
    cursor -= 1;
  }
  if (cursor < 0) return null;
  const line = lines[cursor]!;
  if (replaceLine.test(line)) return null;
  const cleaned = cleanPath(line);
  return cleaned.length > 0 && cleaned.length <= 300 && !/\s/.test(cleaned) ? cleaned : null;
}

function cleanPath(text: string): string {
  return text
    .trim()
    .replace(/^(?:#+|\/\/|--|;+|%+|\*\*|File:|file:|Path:|path:)\s*/, '')
    .replace(/^[`*"']+|[`*"':]+$/g, '')
    .trim();
}
