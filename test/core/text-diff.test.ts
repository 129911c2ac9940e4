import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/core/text-diff.ts';

const labels = { fromLabel: 'a/main.py', toLabel: 'b/main.py' };

function numbered(count: number, changed: ReadonlySet<number> = new Set()): string {
  return Array.from({ length: count }, (_, index) => (changed.has(index) ? `line ${index} changed` : `line ${index}`)).join('\n') + '\n';
}

describe('unifiedDiff', () => {
  it('writes the stored format: headers, hunks with context, an empty side numbered from the line before', () => {
    expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', labels)).toBe('--- a/main.py\n+++ b/main.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
    expect(unifiedDiff('', 'x\n', labels)).toBe('--- a/main.py\n+++ b/main.py\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff('x\ny\n', 'x\n', { ...labels, context: 0 })).toBe('--- a/main.py\n+++ b/main.py\n@@ -2,1 +1,0 @@\n-y\n');
  });

  it('is empty for equal texts and does not report a missing final newline', () => {
    expect(unifiedDiff('same\n', 'same\n', labels)).toBe('');
    expect(unifiedDiff('x', 'x\n', labels)).toBe('--- a/main.py\n+++ b/main.py\n');
    expect(unifiedDiff('x\ny', 'x\nz', labels)).not.toContain('No newline');
  });

  it('joins changes closer than twice the context into one hunk and keeps distant ones apart', () => {
    const before = numbered(40);
    expect(unifiedDiff(before, numbered(40, new Set([10, 15])), labels).match(/^@@/gm)).toHaveLength(1);
    expect(unifiedDiff(before, numbered(40, new Set([10, 30])), labels).match(/^@@/gm)).toHaveLength(2);
  });

  it('stays exact on inputs past four million alignment cells, where it used to print one replaced hunk', () => {
    // 2,500 lines on each side with changes spread from the first line to the last: trimming the
    // common prefix and suffix leaves 2,500 x 2,500 cells to align.
    const changed = new Set([0, 400, 800, 1200, 1600, 2000, 2499]);
    const before = numbered(2500);
    const after = numbered(2500, changed);
    const diff = unifiedDiff(before, after, labels);
    expect(diff.match(/^@@/gm)).toHaveLength(changed.size);
    expect(diff.match(/^-/gm)).toHaveLength(changed.size + 1); // the `---` header line too
    expect(diff.split('\n').length).toBeLessThan(100);
    expect(applyPatch(before, diff)).toBe(after);
  });
});
