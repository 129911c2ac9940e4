import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { parseTaskStream, TaskStreamError } from '../../src/learn/task-stream.ts';

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
    ['{"id":"a","prompt":"x","extra":1}', 'line 1: extra: unknown key (allowed: id, prompt, verify, tags, split, gap)'],
    ['{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}', 'line 2: id: duplicate task id "a" (first on line 1)'],
    ['{"id":"a","prompt":"x","verify":{"type":"command","command":[]}}', 'line 1: verify.command'],
    ['{"id":"a","prompt":"x","verify":{"type":"command","command":[""]}}', 'line 1: verify.command.0: must not be an empty string'],
    ['{"id":"a","prompt":"   \\t "}', 'line 1: prompt: must not be empty or only whitespace'],
    ['{"id":" ","prompt":"x"}', 'line 1: id: must not be empty or only whitespace'],
    ['{"prompt":"x"}', 'line 1: id'],
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

  it('refuses the whole file up front, listing every bad line with its field', () => {
    const text = [
      '{"id":"a","prompt":"fine"}',
      '{"id":"b","prompt":"  "}',
      'not json',
      '{"prompt":"no id"}',
      '{"id":"c","prompt":"x","verify":{"type":"exact"}}',
      '{"id":"a","prompt":"again"}',
    ].join('\n');
    let error: unknown;
    try {
      parseTaskStream(text, 'stream.jsonl');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TaskStreamError);
    const refused = error as TaskStreamError;
    expect(refused.field).toBe('line 2: prompt');
    expect(refused.problems.map((problem) => `${problem.line} ${problem.field}`)).toEqual(['2 prompt', '3 (json)', '4 id', '5 verify.expected', '6 id']);
    expect(refused.message).toMatch(/^stream\.jsonl: line 2: prompt: must not be empty or only whitespace, got "[^"]*"; line 3: not valid JSON .*; line 4: id: .*; line 5: verify\.expected: .*; line 6: id: duplicate task id "a" \(first on line 1\)$/);
  });

  it('keeps the gap a generated task was written for, and refuses a blank one naming the field', () => {
    const [task] = parseTaskStream('{"id":"g","prompt":"sum 1 2","tags":["sums","self-generated"],"gap":"failures-sums"}\n', 'gaps.jsonl');
    expect(task!.gap).toBe('failures-sums');
    expect(() => parseTaskStream('{"id":"g","prompt":"sum 1 2","gap":" "}\n', 'gaps.jsonl')).toThrow(/line 1: gap: must not be empty/);
  });

  it('lists the first twenty bad lines and counts the rest', () => {
    const text = Array.from({ length: 25 }, (_, index) => `{"id":"t${index}"}`).join('\n');
    let error: unknown;
    try {
      parseTaskStream(text, 'many.jsonl');
    } catch (caught) {
      error = caught;
    }
    expect((error as TaskStreamError).problems).toHaveLength(25);
    expect((error as Error).message).toContain('line 20: prompt');
    expect((error as Error).message).not.toContain('line 21: prompt');
    expect((error as Error).message).toMatch(/and 5 more bad lines$/);
  });
});
