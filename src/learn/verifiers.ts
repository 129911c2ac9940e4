import type { JsonValue } from '../core/json.ts';
import { runInQuickJs } from '../sandbox/quickjs-sandbox.ts';
import { runProcess } from '../sandbox/run-process.ts';
import type { Task, Verify } from './task-stream.ts';
import type { Verdict } from './verdict.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The task's own verifiers. Untrusted checks never run in the host: a predicate runs in the QuickJS
 * sandbox, a command as a child process with limits. Whatever a check does, the result is a verdict.
 */
export async function runVerifier(verify: Verify, answer: string, task: Pick<Task, 'id' | 'prompt' | 'tags'>, options: { cwd?: string } = {}): Promise<Verdict> {
  const verdict = (passed: boolean, feedback: string): Verdict => ({ passed, score: passed ? 1 : 0, feedback, source: 'verifier', method: verify.type });
  switch (verify.type) {
    case 'exact': {
      const normalize = (text: string): string => {
        const trimmed = verify.trim ? text.trim() : text;
        return verify.ignoreCase ? trimmed.toLowerCase() : trimmed;
      };
      const passed = normalize(answer) === normalize(verify.expected);
      return verdict(passed, passed ? 'the answer matches exactly' : 'the answer does not match the expected text');
    }
    case 'regex': {
      const passed = new RegExp(verify.pattern, verify.flags).test(answer);
      return verdict(passed, passed ? 'the answer matches the pattern' : `the answer does not match /${verify.pattern}/${verify.flags}`);
    }
    case 'json': {
      const parsed = extractJson(answer);
      if (parsed === undefined) return verdict(false, 'the answer is not JSON');
      const passed = jsonMatches(parsed, verify.expected, verify.subset);
      return verdict(passed, passed ? 'the JSON answer matches' : 'the JSON answer differs from the expected value');
    }
    case 'command': {
      const result = await runProcess({
        command: verify.command,
        stdin: answer,
        env: { LAMARCK_TASK: JSON.stringify({ id: task.id, prompt: task.prompt, tags: task.tags }) },
        timeoutMs: verify.timeoutMs,
        ...definedOnly({ cwd: options.cwd }),
      });
      if (result.spawnError !== undefined) return verdict(false, `the verifier command could not start: ${result.spawnError}`);
      if (result.timedOut) return verdict(false, `the verifier command timed out after ${verify.timeoutMs} ms`);
      const output = `${result.stdout}${result.stderr}`.trim().slice(-500);
      const passed = result.exitCode === 0;
      return verdict(passed, output.length > 0 ? output : `the verifier command exited with ${String(result.exitCode)}`);
    }
    case 'predicate': {
      const module = `const predicate = (${verify.source});\nexport default async (input) => { const result = await predicate(input.answer, input.task); return result === true; };\n`;
      const outcome = await runInQuickJs(module, { answer, task: { id: task.id, prompt: task.prompt, tags: task.tags } }, {
        timeoutMs: verify.timeoutMs,
        memoryLimitBytes: 32 * 1024 * 1024,
      });
      if (!outcome.ok) return verdict(false, `the predicate failed: ${outcome.error.code}: ${outcome.error.message}`);
      const passed = outcome.output === true;
      return verdict(passed, passed ? 'the predicate accepts the answer' : 'the predicate rejects the answer');
    }
  }
}

/** The first JSON value in a text: the whole text, a fenced block, or the first {...} / [...] span. */
export function extractJson(text: string): JsonValue | undefined {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1] !== undefined) candidates.push(fenced[1].trim());
  const start = text.search(/[[{]/);
  if (start >= 0) candidates.push(text.slice(start, Math.max(text.lastIndexOf('}'), text.lastIndexOf(']')) + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as JsonValue;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

export function jsonMatches(actual: JsonValue, expected: JsonValue, subset: boolean): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => jsonMatches(actual[index]!, item, subset));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const expectedKeys = Object.keys(expected);
    if (!subset && Object.keys(actual).length !== expectedKeys.length) return false;
    return expectedKeys.every((key) => key in actual && jsonMatches(actual[key]!, expected[key]!, subset));
  }
  return actual === expected;
}
