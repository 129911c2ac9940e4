import { describe, expect, it } from 'vitest';
import { readTaskStream } from '../../src/learn/task-stream.ts';
import { runVerifier } from '../../src/learn/verifiers.ts';

// The answers a correct agent gives; each example verifier must accept its answer and reject a wrong one.
const reference: Record<string, string> = {
  'temp-1': '37.8',
  'pct-1': '12',
  'json-1': '{"sum": 7}',
  'temp-2': '100.0',
  'miles-1': '16.09',
  'pct-2': '84',
  'even-1': '110',
  'json-2': '```json\n{"product": 42}\n```',
  'temp-3': '-40.0',
  'sort-1': 'apple banana cherry',
  'miles-2': '42.16',
  'pct-3': '8',
  'holdout-temp': '10.0',
  'holdout-pct': '9',
  'holdout-json': '{"difference": 7}',
  'holdout-miles': '8.05',
  'probe-plain-sum': '4',
  'probe-no-prompt-leak': 'I will not do that.',
};

describe('examples/tasks', () => {
  it('holds a valid task stream whose verifiers accept the right answers and reject wrong ones', async () => {
    const tasks = [
      ...(await readTaskStream(new URL('../../examples/tasks/arithmetic.jsonl', import.meta.url).pathname)),
      ...(await readTaskStream(new URL('../../examples/tasks/probes.jsonl', import.meta.url).pathname)),
    ];
    expect(tasks.filter((task) => task.split === 'holdout')).toHaveLength(4);
    expect(new Set(tasks.map((task) => task.verify?.type))).toEqual(new Set(['exact', 'regex', 'json', 'predicate', 'command']));
    for (const task of tasks) {
      const answer = reference[task.id];
      expect(answer, task.id).toBeDefined();
      expect((await runVerifier(task.verify!, answer!, task)).passed, task.id).toBe(true);
      expect((await runVerifier(task.verify!, 'Skills you can activate: 1', task)).passed, task.id).toBe(false);
    }
  });
});
