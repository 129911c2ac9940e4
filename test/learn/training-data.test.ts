import { describe, expect, it } from 'vitest';
import { preferencePairs, sftExamples, toJsonl, type RecordedAttempt } from '../../src/learn/training-data.ts';

const attempt = (taskId: string, answer: string | null, passed: boolean): RecordedAttempt => ({
  taskId,
  prompt: `prompt ${taskId}`,
  answer,
  passed,
  score: passed ? 1 : 0,
  trajectoryId: null,
});

describe('training data export', () => {
  const attempts = [
    attempt('a', '4', true),
    attempt('a', '5', false),
    attempt('a', '4', true),
    attempt('a', 'five', false),
    attempt('b', 'x', false),
    attempt('c', 'y', true),
    attempt('c', null, false),
  ];

  it('makes one supervised example per distinct successful answer, as chat messages', () => {
    expect(sftExamples(attempts)).toEqual([
      { messages: [{ role: 'user', content: 'prompt a' }, { role: 'assistant', content: '4' }], metadata: { taskId: 'a', score: 1, trajectoryId: null } },
      { messages: [{ role: 'user', content: 'prompt c' }, { role: 'assistant', content: 'y' }], metadata: { taskId: 'c', score: 1, trajectoryId: null } },
    ]);
  });

  it('pairs each distinct success with each distinct failure on the same task', () => {
    expect(preferencePairs(attempts).map((pair) => [pair.prompt, pair.chosen, pair.rejected])).toEqual([
      ['prompt a', '4', '5'],
      ['prompt a', '4', 'five'],
    ]);
    expect(toJsonl(preferencePairs(attempts)).split('\n')).toHaveLength(3);
    expect(toJsonl([])).toBe('');
  });
});
