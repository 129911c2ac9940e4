import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { parseTaskStream } from '../../src/learn/task-stream.ts';

describe('task stream', () => {
  it('parses tasks with defaults and skips blank and comment lines', () => {
    const parsed = parseTaskStream(
      [
        '{"id":"a","prompt":"Say hi","verify":{"type":"exact","expected":"hi"}}',
        '',
        '// a comment',
        '{"id":"b","prompt":"Count","split":"holdout","tags":["math"],"verify":{"type":"regex","pattern":"^\\\\d+$"}}',
      ].join('\n'),
    );
    expect(parsed).toEqual([
      { id: 'a', prompt: 'Say hi', verify: { type: 'exact', expected: 'hi', ignoreCase: false, trim: true }, tags: [], split: 'train' },
      { id: 'b', prompt: 'Count', verify: { type: 'regex', pattern: '^\\d+$', flags: '' }, tags: ['math'], split: 'holdout' },
    ]);
  });

  it.each([
    ['{"id":"a"}', 'line 1: prompt'],
    ['{"id":"a","prompt":"x"}\nnot json', 'line 2: not valid JSON'],
    ['{"id":"a","prompt":"x","verify":{"type":"fuzzy"}}', 'line 1: verify.type'],
    ['{"id":"a","prompt":"x","verify":{"type":"regex","pattern":"("}}', 'line 1: verify.pattern: not a valid regular expression'],
    ['{"id":"a","prompt":"x","split":"test"}', 'line 1: split'],
    ['{"id":"a","prompt":"x","extra":1}', 'line 1: (task)'],
    ['{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}', 'line 2: id: duplicate task id "a" (first on line 1)'],
    ['{"id":"a","prompt":"x","verify":{"type":"command","command":[]}}', 'line 1: verify.command'],
  ])('reports %j with the line and field', (text, fragment) => {
    let error: unknown;
    try {
      parseTaskStream(text, 'stream.jsonl');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('stream.jsonl');
    expect((error as Error).message).toContain(fragment);
  });
});
