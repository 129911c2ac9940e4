import { structuredPatch } from 'diff';

/**
 * Line-based unified diffs, for program lineage, prompts and artifact versions, computed by jsdiff
 * (Myers' algorithm, which stays exact on large inputs where a table-based alignment had to give
 * up and print one replaced hunk). The text format is Lamarck's stored one and does not change:
 * `--- from` and `+++ to` headers, then `@@ -a,b +c,d @@` hunks; a missing newline at the end of
 * either text is not reported, so `"x"` and `"x\n"` are the same text here.
 */
export interface DiffOptions {
  fromLabel: string;
  toLabel: string;
  /** Unchanged lines shown around each change (3, as `diff -u`). */
  context?: number;
}

/** The unified diff from `before` to `after`; empty when they are equal. */
export function unifiedDiff(before: string, after: string, options: DiffOptions): string {
  if (before === after) return '';
  const patch = structuredPatch(options.fromLabel, options.toLabel, endWithNewline(before), endWithNewline(after), undefined, undefined, {
    context: options.context ?? 3,
  });
  let output = `--- ${options.fromLabel}\n+++ ${options.toLabel}\n`;
  for (const hunk of patch.hunks) {
    // An empty side of a hunk is numbered from the line before it, as `diff -u` does.
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    output += `@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@\n`;
    for (const line of hunk.lines) output += `${line}\n`;
  }
  return output;
}

/** Gives the last line its newline, so that jsdiff never reports "\ No newline at end of file". */
function endWithNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
