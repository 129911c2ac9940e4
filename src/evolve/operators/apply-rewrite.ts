import { ModelOutputError } from '../../core/errors.ts';
import { containsMarker, findEvolveBlocks, isMarkerLine, replaceBlockInteriors, type EvolveBlock } from '../evolve-blocks.ts';

/**
 * Applies a full rewrite of the EVOLVE-BLOCKs: the reply holds one fenced code block per
 * EVOLVE-BLOCK, in order (evolvable files in order, blocks in file order). Only interiors change.
 * A fence that quotes the markers (or the whole file) contributes the interiors between them, the
 * most common way models deviate from the format. The reply is read as tolerantly as the diff
 * parser reads SEARCH/REPLACE blocks: a bare reply of code with no fence, or several fences of
 * which only one is the program, still counts when it can be matched to the blocks unambiguously.
 */
export function applyRewriteReply(
  files: Readonly<Record<string, string>>,
  reply: string,
  options: { evolvableFiles: readonly string[] },
): Record<string, string> {
  const targets: { path: string; blocks: EvolveBlock[] }[] = options.evolvableFiles.map((path) => {
    const content = files[path];
    if (content === undefined) throw new ModelOutputError(`evolvable file ${path} is missing from the program`, { code: 'rewrite-rejected' });
    return { path, blocks: findEvolveBlocks(content, path) };
  });
  const blockCount = targets.reduce((sum, target) => sum + target.blocks.length, 0);
  const interiors = interiorsOfReply(reply, blockCount);
  const result: Record<string, string> = { ...files };
  let next = 0;
  let changed = false;
  for (const target of targets) {
    const original = files[target.path]!;
    const crlf = original.includes('\r\n');
    const mine = interiors.slice(next, next + target.blocks.length).map((interior) => (crlf ? interior.replace(/\r?\n/g, '\r\n') : interior));
    next += target.blocks.length;
    const updated = replaceBlockInteriors(original, target.blocks, mine);
    if (updated !== original) changed = true;
    result[target.path] = updated;
  }
  if (!changed) throw new ModelOutputError('the rewrite is identical to the current program', { code: 'rewrite-unchanged' });
  return result;
}

/** The contents of the fenced code blocks of a Markdown reply, in order. */
export function extractFences(reply: string): string[] {
  const lines = reply.replace(/\r\n/g, '\n').split('\n');
  const fences: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const opening = /^[ \t]*(`{3,}|~{3,})/.exec(lines[index]!);
    if (opening === null) {
      index += 1;
      continue;
    }
    const marker = opening[1]!;
    const body: string[] = [];
    let cursor = index + 1;
    while (cursor < lines.length) {
      const closing = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(lines[cursor]!);
      if (closing !== null && closing[1]![0] === marker[0] && closing[1]!.length >= marker.length) break;
      body.push(lines[cursor]!);
      cursor += 1;
    }
    // An unclosed fence (a truncated reply) still counts: it runs to the end.
    fences.push(body.length === 0 ? '' : `${body.join('\n')}\n`);
    index = cursor + 1;
  }
  return fences;
}

/**
 * The new block interiors a reply holds, in order. Fences that quote the markers are preferred;
 * otherwise every fence counts. A program with one block takes a bare code reply (no fence at all)
 * whole, and from several fences the longest: the others are usage examples or excerpts.
 */
function interiorsOfReply(reply: string, blockCount: number): string[] {
  const fences = extractFences(reply);
  if (fences.length === 0) {
    if (containsMarker(reply)) {
      const quoted = interiorsOfFence(reply);
      if (quoted.length === blockCount) return quoted;
    }
    if (blockCount === 1 && looksLikeCode(reply)) return [reply.endsWith('\n') ? reply : `${reply}\n`];
    throw new ModelOutputError(`the reply has no fenced code block; expected ${blockCount} (one per EVOLVE-BLOCK)`, { code: 'rewrite-rejected', text: reply });
  }
  const marked = fences.filter(containsMarker);
  if (marked.length > 0) {
    const quoted = marked.flatMap(interiorsOfFence);
    if (quoted.length === blockCount) return quoted;
  }
  const interiors = fences.flatMap(interiorsOfFence);
  if (interiors.length === blockCount) return interiors;
  if (blockCount === 1) {
    const longest = interiors.reduce((best, interior) => (interior.trim().length > best.trim().length ? interior : best), '');
    if (longest.trim() !== '') return [longest];
  }
  throw new ModelOutputError(
    `the reply has ${interiors.length} code block(s) but the program has ${blockCount} EVOLVE-BLOCK(s); give exactly one fenced block per EVOLVE-BLOCK, in order`,
    { code: 'rewrite-rejected', text: reply },
  );
}

/** Prose such as a refusal has none of the punctuation that code of any common language uses. */
function looksLikeCode(reply: string): boolean {
  return reply.trim() !== '' && /[=(){}[\];]/.test(reply);
}

function interiorsOfFence(fence: string): string[] {
  if (!containsMarker(fence)) return [fence];
  try {
    const blocks = findEvolveBlocks(fence, 'reply');
    if (blocks.length > 0) return blocks.map((block) => fence.slice(block.interiorStart, block.interiorEnd));
  } catch {
    // Unbalanced markers in the reply: fall through and drop the marker lines.
  }
  const kept = fence.split('\n').filter((line) => !isMarkerLine(line));
  const interior = kept.join('\n');
  if (containsMarker(interior)) throw new ModelOutputError('a code block contains an EVOLVE-BLOCK marker inside a line of code', { code: 'rewrite-rejected' });
  return [interior];
}
