import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { domainTarget, writeCurriculum } from '../../src/learn/curriculum.ts';
import { parseTaskStream } from '../../src/learn/task-stream.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';
import { temporaryDirectory } from '../library/support.ts';

// What a model might write: two sound tasks, and four that must be dropped for different reasons.
const candidates = [
  { prompt: 'Add 17 and 25.', verify: { type: 'exact', expected: '42', trim: true }, reference: '42', wrong: '41' },
  // Broken: the expected value is wrong, so the reference fails.
  { prompt: 'Multiply 6 by 7.', verify: { type: 'exact', expected: '43' }, reference: '42', wrong: '48' },
  // Broken the other way: the pattern accepts anything, so the wrong answer passes.
  { prompt: 'Name a prime number above 10.', verify: { type: 'regex', pattern: '.*' }, reference: '11', wrong: '12' },
  // Not a task: no wrong solution to check the verifier against.
  { prompt: 'Subtract 9 from 20.', verify: { type: 'exact', expected: '11' }, reference: '11' },
  // A near-duplicate of the first.
  { prompt: 'Add 17 and 25!', verify: { type: 'exact', expected: '42' }, reference: '42', wrong: '43' },
  { prompt: 'Give an even number between 50 and 60.', verify: { type: 'predicate', source: '(answer) => Number(answer) % 2 === 0 && Number(answer) > 50 && Number(answer) < 60' }, reference: '52', wrong: '53' },
];

async function lamarck(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

describe('curriculum', () => {
  it('keeps a task only when its verifier passes the reference and fails the wrong solution, and drops near-duplicates, each with why', async () => {
    const model = createScriptedModel({ replies: [{ object: { tasks: candidates } }] });
    const curriculum = await writeCurriculum({ model, targets: [domainTarget('school arithmetic', 'arithmetic')], count: 6 });
    model.verify();
    expect(curriculum.generated).toBe(6);
    expect(curriculum.kept.map((kept) => kept.task.prompt)).toEqual(['Add 17 and 25.', 'Give an even number between 50 and 60.']);
    expect(curriculum.kept.every((kept) => kept.task.tags.join(',') === 'arithmetic,self-generated' && kept.target === 'domain-arithmetic')).toBe(true);
    expect(curriculum.dropped.map((drop) => [drop.index, drop.reason])).toEqual([
      [1, expect.stringMatching(/^its exact verifier fails the reference solution/)],
      [2, 'its regex verifier passes the wrong solution "12"'],
      [3, expect.stringMatching(/^not a task: wrong: /)],
      [4, 'a near-duplicate of arithmetic-generated-1'],
    ]);
  });

  describe('lamarck curriculum then lamarck learn', () => {
    let directory: ReturnType<typeof temporaryDirectory>;
    let server: ProtocolServer;

    beforeEach(async () => {
      directory = temporaryDirectory('lamarck-curriculum-cli-');
      server = await startProtocolServer();
    });

    afterEach(async () => {
      await server.close();
      directory.remove();
    });

    it('writes a task stream that learn runs, with its tasks marked self-generated on the curve', async () => {
      const cwd = directory.path;
      const model = `openai-compatible:${server.baseURL}#test-model`;
      server.enqueue({ text: JSON.stringify({ tasks: candidates }) });
      const written = await lamarck(cwd, '--json', 'curriculum', 'school arithmetic', '--tag', 'arithmetic', '--count', '6', '--tries', '0', '--out', 'generated.jsonl', '--model', model);
      expect(written.stderr).toBe('');
      expect(written.code).toBe(0);
      expect(JSON.parse(written.stdout)).toMatchObject({ generated: 6, kept: 2 });
      const tasks = parseTaskStream(readFileSync(join(cwd, 'generated.jsonl'), 'utf8'));
      expect(tasks.map((task) => task.id)).toEqual(['arithmetic-generated-1', 'arithmetic-generated-6']);

      const noProposals = JSON.stringify({ rootCause: '', keyInsight: '', proposals: [] });
      server.enqueue(
        { toolCalls: [{ name: 'final_answer', input: { answer: '42' } }] },
        { text: noProposals },
        { toolCalls: [{ name: 'final_answer', input: { answer: '57' } }] },
        { text: noProposals },
      );
      const learned = await lamarck(cwd, '--json', 'learn', 'generated.jsonl', '--model', model);
      expect(learned.stderr).toBe('');
      expect(learned.code).toBe(0);
      const report = JSON.parse(learned.stdout) as { curves: Array<{ taskId: string; passed: boolean; selfGenerated?: boolean }> };
      expect(report.curves.map((point) => [point.taskId, point.passed, point.selfGenerated])).toEqual([
        ['arithmetic-generated-1', true, true],
        ['arithmetic-generated-6', false, true],
      ]);
      expect(server.pending).toBe(0);
    });
  });
});
