import type { JsonValue } from '../core/json.ts';
import type { ToolContent } from '../library/artifact-content.ts';
import { runTool } from '../sandbox/run-tool.ts';
import { jsonMatches } from './verifiers.ts';

/**
 * A synthesized tool is kept only if it comes with tests and every test passes when the tool runs
 * in the sandbox, exactly as the agent would run it.
 */
export interface ToolTestResult {
  name: string;
  passed: boolean;
  detail: string;
}

export async function checkToolTests(tool: ToolContent, options: { timeoutMs?: number } = {}): Promise<{ passed: boolean; results: ToolTestResult[] }> {
  if (tool.tests.length === 0) return { passed: false, results: [{ name: '(none)', passed: false, detail: 'a tool must come with at least one test' }] };
  const loaded = { directory: `(proposed tool ${tool.manifest.name})`, manifest: tool.manifest, source: tool.code };
  const results: ToolTestResult[] = [];
  for (const test of tool.tests) {
    const outcome = await runTool(loaded, test.input, { timeoutMs: options.timeoutMs ?? 2000 });
    if (!outcome.ok) {
      results.push({ name: test.name, passed: false, detail: `${outcome.error.code}: ${outcome.error.message}` });
      continue;
    }
    const passed = jsonMatches(outcome.output, test.expected as JsonValue, false);
    results.push({
      name: test.name,
      passed,
      detail: passed ? 'ok' : `expected ${JSON.stringify(test.expected)}, got ${JSON.stringify(outcome.output)}`,
    });
  }
  return { passed: results.every((result) => result.passed), results };
}
