/**
 * A unified line diff between two versions of an artifact's text. Artifacts are small (a skill
 * under 500 lines), so a longest-common-subsequence table is simple and fast enough.
 */
export interface DiffOptions {
  fromLabel: string;
  toLabel: string;
  context?: number;
}

type Operation = { type: 'same' | 'removed' | 'added'; line: string; fromLine: number; toLine: number };

// Above this many table cells the diff degrades to "everything removed, everything added".
const maximumCells = 4_000_000;

export function unifiedDiff(fromText: string, toText: string, options: DiffOptions): string {
  if (fromText === toText) return '';
  const from = splitLines(fromText);
  const to = splitLines(toText);
  const operations = diffLines(from, to);
  const context = options.context ?? 3;
  const lines = [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`];
  let index = 0;
  while (index < operations.length) {
    if (operations[index]!.type === 'same') {
      index += 1;
      continue;
    }
    // Grow a hunk around this change, absorbing changes whose context windows touch.
    const start = Math.max(0, index - context);
    let end = index;
    let lastChange = index;
    while (end < operations.length) {
      if (operations[end]!.type !== 'same') lastChange = end;
      else if (end - lastChange > context * 2) break;
      end += 1;
    }
    end = Math.min(operations.length, lastChange + context + 1);
    const hunk = operations.slice(start, end);
    const fromStart = hunk.find((operation) => operation.type !== 'added')?.fromLine ?? hunk[0]!.fromLine;
    const toStart = hunk.find((operation) => operation.type !== 'removed')?.toLine ?? hunk[0]!.toLine;
    const fromCount = hunk.filter((operation) => operation.type !== 'added').length;
    const toCount = hunk.filter((operation) => operation.type !== 'removed').length;
    lines.push(`@@ -${fromStart},${fromCount} +${toStart},${toCount} @@`);
    for (const operation of hunk) {
      const marker = operation.type === 'same' ? ' ' : operation.type === 'removed' ? '-' : '+';
      lines.push(`${marker}${operation.line}`);
    }
    index = end;
  }
  return `${lines.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(from: string[], to: string[]): Operation[] {
  const rows = from.length;
  const columns = to.length;
  if ((rows + 1) * (columns + 1) > maximumCells) {
    return [
      ...from.map((line, index) => ({ type: 'removed' as const, line, fromLine: index + 1, toLine: 1 })),
      ...to.map((line, index) => ({ type: 'added' as const, line, fromLine: rows + 1, toLine: index + 1 })),
    ];
  }
  // lengths[i][j] = LCS length of from[i..] and to[j..], flattened.
  const width = columns + 1;
  const lengths = new Uint32Array((rows + 1) * width);
  for (let row = rows - 1; row >= 0; row -= 1) {
    for (let column = columns - 1; column >= 0; column -= 1) {
      lengths[row * width + column] =
        from[row] === to[column]
          ? lengths[(row + 1) * width + column + 1]! + 1
          : Math.max(lengths[(row + 1) * width + column]!, lengths[row * width + column + 1]!);
    }
  }
  const operations: Operation[] = [];
  let row = 0;
  let column = 0;
  while (row < rows || column < columns) {
    if (row < rows && column < columns && from[row] === to[column]) {
      operations.push({ type: 'same', line: from[row]!, fromLine: row + 1, toLine: column + 1 });
      row += 1;
      column += 1;
    } else if (column < columns && (row === rows || lengths[row * width + column + 1]! >= lengths[(row + 1) * width + column]!)) {
      operations.push({ type: 'added', line: to[column]!, fromLine: row + 1, toLine: column + 1 });
      column += 1;
    } else {
      operations.push({ type: 'removed', line: from[row]!, fromLine: row + 1, toLine: column + 1 });
      row += 1;
    }
  }
  return operations;
}
