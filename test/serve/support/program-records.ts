import type { ProgramRecord } from '../../../src/store/types.ts';

/**
 * Hand-written program records, for what a short real run cannot produce on demand: NaN and
 * Infinity scores, a 10,000-program run for the bench, a program appended while a page watches.
 */
export function programRecord(runId: string, index: number, overrides: Partial<ProgramRecord> = {}): ProgramRecord {
  const failed = index > 0 && index % 11 === 0;
  return {
    id: `prg_${runId}_${index}`,
    runId,
    parentId: index === 0 ? null : `prg_${runId}_${Math.floor((index - 1) / 3)}`,
    inspirationIds: index < 3 ? [] : [`prg_${runId}_${index - 1}`],
    island: index % 4,
    generation: Math.floor(Math.log(index * 2 + 1) / Math.log(3)),
    operator: index === 0 ? 'initial' : index % 5 === 0 ? 'llm-rewrite' : 'llm-diff',
    files: { 'main.py': `# EVOLVE-BLOCK-START\nvalue = ${index}\n# EVOLVE-BLOCK-END\nprint(value)\n` },
    diff: `-value = ${Math.floor((index - 1) / 3)}\n+value = ${index}\n`,
    status: failed ? 'failed' : 'evaluated',
    score: failed ? null : Math.log1p(index) / 10 + (index % 7) / 100,
    metrics: failed ? {} : { accuracy: (index % 97) / 97 },
    features: { 'code-length': 40 + (index % 13), diversity: (index % 17) / 17 },
    artifacts: failed ? { stderr: `Traceback (most recent call last):\nValueError: candidate ${index} broke` } : { feedback: 'ok' },
    failure: failed ? { kind: 'exit-code', message: 'the evaluator exited with code 1' } : null,
    model: index === 0 ? null : index % 3 === 0 ? 'anthropic:claude-sonnet-4-5' : 'openai:gpt-5-mini',
    prompt: index === 0 ? null : 'Improve the program.',
    reply: index === 0 ? null : 'A diff.',
    tokensIn: index === 0 ? 0 : 1500,
    tokensOut: index === 0 ? 0 : 300,
    costUsd: index === 0 ? 0 : 0.0009,
    timing: { proposeMs: 1200, evaluateMs: 350 },
    createdAt: 1_750_000_000_000 + index * 1000,
    ...overrides,
  };
}
