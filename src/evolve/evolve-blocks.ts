import { LamarckError } from '../core/errors.ts';

/**
 * EVOLVE-BLOCK markers: a whole line whose first token is a comment opener of some language
 * (`#`, `//`, `--`, `/*`, `;`, `%`, `<!--`, `(*`, `'`) followed by `EVOLVE-BLOCK-START` or
 * `EVOLVE-BLOCK-END`. Markers must be whole lines so that a block interior is always whole lines
 * and an edit inside it can never split a marker.
 */
const markerPattern = /^[ \t]*(?:#+|\/\/+|--+|\/\*+|;+|%+|<!--|\(\*|')[ \t]*EVOLVE-BLOCK-(START|END)\b/;

/** One EVOLVE-BLOCK. Offsets are into the file's text; the interior excludes both marker lines. */
export interface EvolveBlock {
  /** 0-based index of the block within its file. */
  index: number;
  /** 1-based line numbers of the two marker lines. */
  startLine: number;
  endLine: number;
  /** The interior `[interiorStart, interiorEnd)`: from after the START line's newline to the END line's first character. */
  interiorStart: number;
  interiorEnd: number;
}

export class EvolveBlockError extends LamarckError {
  readonly path: string;
  readonly line: number | null;
  constructor(path: string, line: number | null, message: string) {
    super({
      code: 'evolve-blocks-invalid',
      message: `${path}${line === null ? '' : `:${line}`}: ${message}`,
      fault: 'user',
      details: { path, line },
    });
    this.path = path;
    this.line = line;
  }
}

/** Locates the blocks of one file; an empty list when it has no markers. Throws EvolveBlockError when unbalanced. */
export function findEvolveBlocks(content: string, path: string): EvolveBlock[] {
  const blocks: EvolveBlock[] = [];
  let open: { line: number; interiorStart: number } | null = null;
  let lineStart = 0;
  let lineNumber = 0;
  while (lineStart <= content.length) {
    lineNumber += 1;
    const newline = content.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? content.length : newline;
    const match = markerPattern.exec(content.slice(lineStart, lineEnd));
    if (match !== null) {
      if (match[1] === 'START') {
        if (open !== null) {
          throw new EvolveBlockError(path, lineNumber, `EVOLVE-BLOCK-START inside the block opened at line ${open.line}; blocks cannot nest`);
        }
        open = { line: lineNumber, interiorStart: newline === -1 ? content.length : newline + 1 };
      } else {
        if (open === null) throw new EvolveBlockError(path, lineNumber, 'EVOLVE-BLOCK-END without a matching EVOLVE-BLOCK-START');
        blocks.push({
          index: blocks.length,
          startLine: open.line,
          endLine: lineNumber,
          interiorStart: open.interiorStart,
          interiorEnd: lineStart,
        });
        open = null;
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (open !== null) throw new EvolveBlockError(path, open.line, 'EVOLVE-BLOCK-START is never closed by an EVOLVE-BLOCK-END');
  return blocks;
}

/** Whether a line of text is an EVOLVE-BLOCK marker line. */
export function isMarkerLine(line: string): boolean {
  return markerPattern.test(line);
}

/** Whether any line of `text` carries a marker token at all (also catches markers not at line start). */
export function containsMarker(text: string): boolean {
  return /EVOLVE-BLOCK-(?:START|END)/.test(text);
}

/**
 * Everything outside the block interiors, with each interior replaced by a placeholder. Two
 * versions of a file with the same skeleton differ only inside their blocks.
 */
export function blockSkeleton(content: string, blocks: readonly EvolveBlock[]): string {
  let skeleton = '';
  let position = 0;
  for (const block of blocks) {
    skeleton += content.slice(position, block.interiorStart) + '\u0000';
    position = block.interiorEnd;
  }
  return skeleton + content.slice(position);
}

/** The interiors of the blocks, in order. */
export function blockInteriors(content: string, blocks: readonly EvolveBlock[]): string[] {
  return blocks.map((block) => content.slice(block.interiorStart, block.interiorEnd));
}

/** Replaces the interiors of the blocks, in order; `interiors` must have one entry per block. */
export function replaceBlockInteriors(content: string, blocks: readonly EvolveBlock[], interiors: readonly string[]): string {
  let result = '';
  let position = 0;
  blocks.forEach((block, index) => {
    result += content.slice(position, block.interiorStart);
    let interior = interiors[index] ?? '';
    // The END marker must stay on its own line.
    if (interior.length > 0 && !interior.endsWith('\n')) interior += '\n';
    result += interior;
    position = block.interiorEnd;
  });
  return result + content.slice(position);
}
