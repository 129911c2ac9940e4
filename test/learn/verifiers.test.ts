import { describe, expect, it } from 'vitest';
import { parseTaskStream } from '../../src/learn/task-stream.ts';
import { extractJson, runVerifier } from '../../src/learn/verifiers.ts';
import { judgeAttempt } from '../../src/learn/judge.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';

const task = (verify?: object) => parseTaskStream(JSON.stringify({ id: 't', prompt: 'p', ...(verify === undefined ? {} : { verify }) }))[0]!;

describe('verifiers', () => {
  it('exact, with trimming and optional case folding', async () => {
    expect((await runVerifier(task({ type: 'exact', expected: '42' }).verify!, ' 42\n', task())).passed).toBe(true);
    expect((await runVerifier(task({ type: 'exact', expected: 'Yes' }).verify!, 'yes', task())).passed).toBe(false);
    expect((await runVerifier(task({ type: 'exact', expected: 'Yes', ignoreCase: true }).verify!, 'yes', task())).passed).toBe(true);
  });

  it('regex', async () => {
    const verdict = await runVerifier(task({ type: 'regex', pattern: '^\\d{3}$' }).verify!, '123', task());
    expect(verdict).toEqual({ passed: true, score: 1, feedback: 'the answer matches the pattern', source: 'verifier', method: 'regex' });
    expect((await runVerifier(task({ type: 'regex', pattern: '^\\d{3}$' }).verify!, '12a', task())).passed).toBe(false);
  });

  it('JSON match, exact or as a subset, from fenced or embedded JSON', async () => {
    const exact = task({ type: 'json', expected: { a: 1, b: [1, 2] } }).verify!;
    expect((await runVerifier(exact, '```json\n{"b":[1,2],"a":1}\n```', task())).passed).toBe(true);
    expect((await runVerifier(exact, '{"a":1,"b":[1,2],"c":3}', task())).passed).toBe(false);
    const subset = task({ type: 'json', expected: { a: 1 }, subset: true }).verify!;
    expect((await runVerifier(subset, 'Result: {"a":1,"c":3}', task())).passed).toBe(true);
    expect((await runVerifier(subset, 'no json here', task())).feedback).toBe('the answer is not JSON');
    expect(extractJson('[1, 2]')).toEqual([1, 2]);
  });

  it('command: the answer on stdin, exit code 0 passes', async () => {
    const verify = task({ type: 'command', command: ['sh', '-c', 'read answer; test "$answer" = 42 || { echo "wanted 42, got $answer"; exit 1; }'] }).verify!;
    expect((await runVerifier(verify, '42', task())).passed).toBe(true);
    const failed = await runVerifier(verify, '41', task());
    expect(failed.passed).toBe(false);
    expect(failed.feedback).toContain('wanted 42, got 41');
    const missing = await runVerifier(task({ type: 'command', command: ['/nonexistent/verifier'] }).verify!, 'x', task());
    expect(missing.passed).toBe(false);
  });

  it('JavaScript predicate in the QuickJS sandbox, which has no host access', async () => {
    const even = task({ type: 'predicate', source: '(answer) => Number(answer) % 2 === 0' }).verify!;
    expect((await runVerifier(even, '10', task())).passed).toBe(true);
    expect((await runVerifier(even, '11', task())).passed).toBe(false);
    const escape = task({ type: 'predicate', source: '() => typeof process !== "undefined" || typeof require !== "undefined"' }).verify!;
    expect((await runVerifier(escape, 'x', task())).passed).toBe(false);
    const loop = task({ type: 'predicate', source: '() => { for (;;) {} }', timeoutMs: 200 }).verify!;
    const stopped = await runVerifier(loop, 'x', task());
    expect(stopped.passed).toBe(false);
    expect(stopped.feedback).toContain('timeout');
  });
});

describe('judge', () => {
  it('uses the verifier when the task has one, and records the source', async () => {
    const verdict = await judgeAttempt(task({ type: 'exact', expected: 'a' }), 'a', '');
    expect(verdict.source).toBe('verifier');
    expect((await judgeAttempt(task({ type: 'exact', expected: 'a' }), null, '')).passed).toBe(false);
  });

  it('asks a critic that sees the trajectory but no answer key when there is no verifier', async () => {
    const critic = createScriptedModel({ replies: [{ object: { passed: true, score: 0.9, feedback: 'complete' } }] });
    const plain = parseTaskStream('{"id":"t","prompt":"Write a haiku"}')[0]!;
    const verdict = await judgeAttempt(plain, 'five seven five', 'final answer: five seven five', { critic });
    expect(verdict).toEqual({ passed: true, score: 0.9, feedback: 'complete', source: 'critic', method: 'critic' });
    expect(critic.calls[0]!.lastUserText).toContain('<trajectory>');
    expect(critic.calls[0]!.lastUserText).not.toContain('expected');
    critic.verify();
    expect((await judgeAttempt(plain, 'x', '')).source).toBe('none');
  });
});
