import { unifiedDiff } from '../../core/text-diff.ts';

/** The unified diff of one file of a program, labelled `a/<path>` and `b/<path>` as git does. */
export function unifiedDiffOfFile(before: string, after: string, path: string): string {
  return unifiedDiff(before, after, { fromLabel: `a/${path}`, toLabel: `b/${path}` });
}

/** Unified diffs of every file that changed, concatenated in path order. */
export function unifiedDiffOfFiles(before: Record<string, string>, after: Record<string, string>): string {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return paths
    .map((path) => unifiedDiffOfFile(before[path] ?? '', after[path] ?? '', path))
    .filter((diff) => diff.length > 0)
    .join('');
}
