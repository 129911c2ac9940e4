import { describe, expect, it } from 'vitest';
import {
  EvolveBlockError,
  blockInteriors,
  blockSkeleton,
  findEvolveBlocks,
  replaceBlockInteriors,
} from '../../src/evolve/evolve-blocks.ts';

describe('findEvolveBlocks', () => {
  it('finds several blocks in comment styles of many languages', () => {
    const content = [
      'head',
      '# EVOLVE-BLOCK-START',
      'a',
      '# EVOLVE-BLOCK-END',
      '  // EVOLVE-BLOCK-START: the tuned part',
      'b',
      '  // EVOLVE-BLOCK-END',
      '/* EVOLVE-BLOCK-START */',
      '/* EVOLVE-BLOCK-END */',
      '-- EVOLVE-BLOCK-START',
      'c',
      '-- EVOLVE-BLOCK-END',
      '<!-- EVOLVE-BLOCK-START -->',
      'd',
      '<!-- EVOLVE-BLOCK-END -->',
      'tail',
    ].join('\n');
    const blocks = findEvolveBlocks(content, 'f');
    expect(blocks.map((block) => [block.startLine, block.endLine])).toEqual([
      [2, 4],
      [5, 7],
      [8, 9],
      [10, 12],
      [13, 15],
    ]);
    expect(blockInteriors(content, blocks)).toEqual(['a\n', 'b\n', '', 'c\n', 'd\n']);
  });

  it('ignores the marker words inside code and strings', () => {
    expect(findEvolveBlocks('x = "EVOLVE-BLOCK-START"\nprint(1)  # EVOLVE-BLOCK-END\n', 'f')).toEqual([]);
  });

  it('reports unbalanced markers with the line', () => {
    expect(() => findEvolveBlocks('# EVOLVE-BLOCK-START\n', 'f.py')).toThrow(EvolveBlockError);
    expect(() => findEvolveBlocks('x\n# EVOLVE-BLOCK-END\n', 'f.py')).toThrow(/f.py:2: EVOLVE-BLOCK-END without/);
    expect(() => findEvolveBlocks('# EVOLVE-BLOCK-START\n# EVOLVE-BLOCK-START\n', 'f.py')).toThrow(/cannot nest/);
  });

  it('replaces interiors and keeps the skeleton', () => {
    const content = 'a\n# EVOLVE-BLOCK-START\nold\n# EVOLVE-BLOCK-END\nz\n';
    const blocks = findEvolveBlocks(content, 'f');
    const updated = replaceBlockInteriors(content, blocks, ['new 1\nnew 2']);
    expect(updated).toBe('a\n# EVOLVE-BLOCK-START\nnew 1\nnew 2\n# EVOLVE-BLOCK-END\nz\n');
    expect(blockSkeleton(updated, findEvolveBlocks(updated, 'f'))).toBe(blockSkeleton(content, blocks));
  });
});
