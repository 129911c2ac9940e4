/**
 * A small line-based unified diff, for program lineage, prompts and artifact versions. It trims
 * the common prefix and suffix, then aligns the middle by longest common subsequence; a middle too
 * large for that is shown as one replaced hunk, which is still a correct (if less tidy) diff.
 */
const maxAlignedCells = 4_000_000;

type Operation = { kind: ' ' | '-' | '+'; text: string };

export interface DiffOptions {
  fromLabel: string;
  toLabel: string;
  /** Unchanged lines shown around each change (3, as `diff -u`). */
  context?: number;
}

/** The unified diff from `before` to `after`; empty when they are equal. */
export function unifiedDiff(before: string, after: string, options: DiffOptions): string {
  if (before === after) return '';
  const operations = diffLines(splitLines(before), splitLines(after));
  return `--- ${options.fromLabel}\n+++ ${options.toLabel}\n${formatHunks(operations, options.context ?? 3)}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(oldLines: string[], newLines: string[]): Operation[] {
  let prefix = 0;
  while (prefix < oldLines.length && prefix < newLines.length && oldLines[prefix] === newLines[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < oldLines.length - prefix &&
    suffix < newLines.length - prefix &&
    oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const oldMiddle = oldLines.slice(prefix, oldLines.length - suffix);
  const newMiddle = newLines.slice(prefix, newLines.length - suffix);
  const operations: Operation[] = oldLines.slice(0, prefix).map((text) => ({ kind: ' ', text }));
  if ((oldMiddle.length + 1) * (newMiddle.length + 1) <= maxAlignedCells) {
    operations.push(...alignByCommonSubsequence(oldMiddle, newMiddle));
  } else {
    operations.push(...oldMiddle.map((text): Operation => ({ kind: '-', text })));
    operations.push(...newMiddle.map((text): Operation => ({ kind: '+', text })));
  }
  operations.push(...oldLines.slice(oldLines.length - suffix).map((text): Operation => ({ kind: ' ', text })));
  return operations;
}

function alignByCommonSubsequence(oldLines: string[], newLines: string[]): Operation[] {
  const rows = oldLines.length;
  const columns = newLines.length;
  const width = columns + 1;
  const lengths = new Uint32Array((rows + 1) * width);
  for (let row = rows - 1; row >= 0; row -= 1) {
    for (let column = columns - 1; column >= 0; column -= 1) {
      lengths[row * width + column] =
        oldLines[row] === newLines[column]
          ? lengths[(row + 1) * width + column + 1]! + 1
          : Math.max(lengths[(row + 1) * width + column]!, lengths[row * width + column + 1]!);
    }
  }
  const operations: Operation[] = [];
  let row = 0;
  let column = 0;
  while (row < rows && column < columns) {
    if (oldLines[row] === newLines[column]) {
      operations.push({ kind: ' ', text: oldLines[row]! });
      row += 1;
      column += 1;
    } else if (lengths[(row + 1) * width + column]! >= lengths[row * width + column + 1]!) {
      operations.push({ kind: '-', text: oldLines[row]! });
      row += 1;
    } else {
      operations.push({ kind: '+', text: newLines[column]! });
      column += 1;
    }
  }
  while (row < rows) operations.push({ kind: '-', text: oldLines[row++]! });
  while (column < columns) operations.push({ kind: '+', text: newLines[column++]! });
  return operations;
}

function formatHunks(operations: Operation[], contextLines: number): string {
  const changed = operations.map((operation) => operation.kind !== ' ');
  let output = '';
  let index = 0;
  // Line numbers before each operation, in the old and new file.
  const oldNumber: number[] = [];
  const newNumber: number[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const operation of operations) {
    oldNumber.push(oldLine);
    newNumber.push(newLine);
    if (operation.kind !== '+') oldLine += 1;
    if (operation.kind !== '-') newLine += 1;
  }
  while (index < operations.length) {
    if (!changed[index]) {
      index += 1;
      continue;
    }
    const start = Math.max(0, index - contextLines);
    let end = index;
    // Extend the hunk while the next change is within twice the context.
    for (;;) {
      while (end < operations.length && changed[end]) end += 1;
      let next = end;
      while (next < operations.length && !changed[next] && next - end < 2 * contextLines) next += 1;
      if (next < operations.length && changed[next]) end = next;
      else break;
    }
    const stop = Math.min(operations.length, end + contextLines);
    const slice = operations.slice(start, stop);
    const oldCount = slice.filter((operation) => operation.kind !== '+').length;
    const newCount = slice.filter((operation) => operation.kind !== '-').length;
    const oldStart = oldCount === 0 ? oldNumber[start]! - 1 : oldNumber[start]!;
    const newStart = newCount === 0 ? newNumber[start]! - 1 : newNumber[start]!;
    output += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    for (const operation of slice) output += `${operation.kind}${operation.text}\n`;
    index = stop;
  }
  return output;
}
