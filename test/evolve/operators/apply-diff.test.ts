import { describe, expect, it } from 'vitest';
import { ModelOutputError } from '../../../src/core/errors.ts';
import { applyDiffReply } from '../../../src/evolve/operators/apply-diff.ts';
import { parseSearchReplace } from '../../../src/evolve/operators/parse-search-replace.ts';

const program = [
  'import math',
  '',
  'def helper(x):',
  '    return x * 2',
  '',
  '# EVOLVE-BLOCK-START',
  'def search(iterations):',
  '    best = 0',
  '    for i in range(iterations):',
  '        best = max(best, i * 0.5)',
  '    return best',
  '# EVOLVE-BLOCK-END',
  '',
  'def run():',
  '    return search(100)',
  '',
].join('\n');

const single = { 'main.py': program };
const options = { evolvableFiles: ['main.py'] };

function block(search: string, replace: string, path?: string): string {
  return `${path === undefined ? '' : `${path}\n`}<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
}

function rejection(run: () => unknown): ModelOutputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelOutputError);
    return error as ModelOutputError;
  }
  throw new Error('expected a rejection');
}

describe('parseSearchReplace', () => {
  it('parses several blocks with prose and fences around them', () => {
    const reply = `I will change two things.\n\n\`\`\`python\n${block('a', 'b')}\`\`\`\nand\n\`\`\`\n${block('c\nd', '')}\`\`\``;
    const edits = parseSearchReplace(reply);
    expect(edits.map((edit) => [edit.search, edit.replace])).toEqual([
      ['a', 'b'],
      ['c\nd', ''],
    ]);
  });

  it('reads a file path on the line before SEARCH', () => {
    const edits = parseSearchReplace(`lib/util.py\n${block('x', 'y')}`);
    expect(edits[0]!.pathHint).toBe('lib/util.py');
  });

  it('rejects a reply with no blocks, and a block missing its divider or REPLACE line', () => {
    expect(rejection(() => parseSearchReplace('just prose')).message).toMatch(/no SEARCH\/REPLACE blocks/);
    expect(rejection(() => parseSearchReplace('<<<<<<< SEARCH\nx\n>>>>>>> REPLACE')).message).toMatch(/block 1.*divider/);
    expect(rejection(() => parseSearchReplace('<<<<<<< SEARCH\nx\n=======\ny\n')).message).toMatch(/block 1.*REPLACE/);
  });
});

describe('applyDiff', () => {
  it('applies an exact match inside a block and keeps the markers', () => {
    const result = applyDiffReply(single, block('    best = 0', '    best = -1'), options);
    expect(result.files['main.py']).toContain('    best = -1\n');
    expect(result.files['main.py']).toContain('# EVOLVE-BLOCK-START\n');
    expect(result.files['main.py']).toContain('# EVOLVE-BLOCK-END\n');
    expect(result.edits).toEqual([{ number: 1, file: 'main.py', block: 0, match: 'exact' }]);
  });

  it('matches again ignoring indentation and runs of spaces, and re-indents the replacement', () => {
    const reply = block('for i in range(iterations):\n    best   = max(best, i * 0.5)', 'for i in range(iterations):\n    best = max(best, i * 0.75)');
    const result = applyDiffReply(single, reply, options);
    expect(result.edits[0]!.match).toBe('whitespace');
    expect(result.files['main.py']).toContain('    for i in range(iterations):\n        best = max(best, i * 0.75)\n');
  });

  it('keeps the nesting of a replacement when the model indented the whole edit wrongly', () => {
    const reply = block('        for i in range(iterations):\n            best = max(best, i * 0.5)', '        for i in range(iterations):\n            if i % 2:\n                best = max(best, i)');
    const result = applyDiffReply(single, reply, options);
    expect(result.edits[0]!.match).toBe('whitespace');
    expect(result.files['main.py']).toContain('    for i in range(iterations):\n        if i % 2:\n            best = max(best, i)\n    return best\n');
  });

  it('rejects a SEARCH that is absent, naming the block and the first line', () => {
    const error = rejection(() => applyDiffReply(single, block('    best = 0', 'x') + block('nothing like this', 'y'), options));
    expect(error.code).toBe('diff-rejected');
    expect(error.message).toMatch(/block 2 rejected: the SEARCH text \(first line: "nothing like this"\) was not found in main.py/);
  });

  it('rejects an ambiguous SEARCH and lists where it matched', () => {
    const twice = program.replace('    return best\n', '    best = 0\n    return best\n');
    const error = rejection(() => applyDiffReply({ 'main.py': twice }, block('best = 0', 'best = 1'), options));
    expect(error.message).toMatch(/ambiguous: it matches 2 places \(main.py:8, main.py:11\)/);
  });

  it('rejects an edit whose SEARCH matches only outside the blocks', () => {
    const error = rejection(() => applyDiffReply(single, block('    return x * 2', '    return x * 3'), options));
    expect(error.message).toMatch(/only outside the EVOLVE-BLOCKs \(main.py:4\)/);
  });

  it('rejects a SEARCH spanning a marker, and a replacement that adds one', () => {
    expect(rejection(() => applyDiffReply(single, block('# EVOLVE-BLOCK-END\n\ndef run():', 'def run():'), options)).message).toMatch(
      /EVOLVE-BLOCK marker/,
    );
    expect(rejection(() => applyDiffReply(single, block('    best = 0', '    best = 0\n# EVOLVE-BLOCK-END'), options)).message).toMatch(
      /EVOLVE-BLOCK marker/,
    );
    // Eating the newline before the END marker would glue the marker onto a code line.
    const glued = rejection(() => applyDiffReply(single, block('    return best\n', '    return best + 1'), options));
    expect(glued.message).toMatch(/broke its EVOLVE-BLOCK markers/);
  });

  it('prefers the one match inside a block when the same text also occurs outside', () => {
    const both = program.replace('def run():\n    return search(100)', 'def run():\n    best = 0\n    return search(100)');
    const result = applyDiffReply({ 'main.py': both }, block('    best = 0', '    best = 7'), options);
    expect(result.files['main.py']).toContain('# EVOLVE-BLOCK-START\ndef search(iterations):\n    best = 7\n');
    expect(result.files['main.py']).toContain('def run():\n    best = 0\n');
  });

  it('edits several blocks of one file in one reply', () => {
    const twoBlocks = `${program}// EVOLVE-BLOCK-START\nconst rate = 0.1;\n// EVOLVE-BLOCK-END\n`;
    const reply = block('    best = 0', '    best = 2') + block('const rate = 0.1;', 'const rate = 0.2;');
    const result = applyDiffReply({ 'main.py': twoBlocks }, reply, options);
    expect(result.edits.map((edit) => edit.block)).toEqual([0, 1]);
    expect(result.files['main.py']).toContain('const rate = 0.2;');
  });

  it('edits several files, using the path line or searching every evolvable file', () => {
    const files = {
      'main.py': program,
      'lib/tune.js': '/* EVOLVE-BLOCK-START */\nexport const step = 0.5;\n/* EVOLVE-BLOCK-END */\n',
      'data.txt': 'step = 0.5\n',
    };
    const multi = { evolvableFiles: ['main.py', 'lib/tune.js'] };
    const reply = `lib/tune.js\n${block('export const step = 0.5;', 'export const step = 0.25;')}\n${block('    best = 0', '    best = 3')}`;
    const result = applyDiffReply(files, reply, multi);
    expect(result.files['lib/tune.js']).toContain('step = 0.25');
    expect(result.files['main.py']).toContain('best = 3');
    expect(result.files['data.txt']).toBe('step = 0.5\n');
    expect(result.edits.map((edit) => edit.file)).toEqual(['lib/tune.js', 'main.py']);
    expect(rejection(() => applyDiffReply(files, `data.txt\n${block('step = 0.5', 'step = 1')}`, multi)).message).toMatch(
      /targets data.txt, which has no EVOLVE-BLOCK/,
    );
  });

  it('keeps CRLF line endings and matches CRLF replies', () => {
    const crlf = program.replace(/\n/g, '\r\n');
    const reply = block('    best = 0', '    best = 5').replace(/\n/g, '\r\n');
    const result = applyDiffReply({ 'main.py': crlf }, reply, options);
    expect(result.files['main.py']).toBe(crlf.replace('    best = 0\r\n', '    best = 5\r\n'));
  });

  it('does not modify its input', () => {
    const files = { 'main.py': program };
    applyDiffReply(files, block('    best = 0', '    best = 9'), options);
    expect(files['main.py']).toBe(program);
  });

  it('rejects an empty SEARCH', () => {
    expect(rejection(() => applyDiffReply(single, block('', 'x = 1'), options)).message).toMatch(/SEARCH part is empty/);
  });

  it('accepts markers written in other comment styles', () => {
    for (const [start, end] of [
      ['-- EVOLVE-BLOCK-START', '-- EVOLVE-BLOCK-END'],
      ['; EVOLVE-BLOCK-START', '; EVOLVE-BLOCK-END'],
      ['% EVOLVE-BLOCK-START', '% EVOLVE-BLOCK-END'],
      ['<!-- EVOLVE-BLOCK-START -->', '<!-- EVOLVE-BLOCK-END -->'],
    ]) {
      const content = `fixed\n${start}\nvalue 1\n${end}\nfixed\n`;
      const result = applyDiffReply({ f: content }, block('value 1', 'value 2'), { evolvableFiles: ['f'] });
      expect(result.files.f).toBe(`fixed\n${start}\nvalue 2\n${end}\nfixed\n`);
    }
  });
});
