import type { ProgramRecord, TrajectoryRecord } from '../../src/store/types.ts';

/** Builders for complete records, so a test states only the fields it is about. */
export function makeProgram(runId: string, id: string, overrides: Partial<ProgramRecord> = {}): ProgramRecord {
  return {
    id,
    runId,
    parentId: null,
    inspirationIds: [],
    island: 0,
    generation: 0,
    operator: 'diff',
    files: { 'main.py': `def solve():\n    return ${JSON.stringify(id)}\n` },
    diff: '--- a/main.py\n+++ b/main.py\n',
    status: 'evaluated',
    score: 0.5,
    metrics: { accuracy: 0.5, nested: { list: [1, 2, 3], flag: true, nothing: null } },
    features: { length: 12, complexity: 3 },
    artifacts: { stderr: '', feedback: 'fine' },
    failure: null,
    model: 'scripted:test',
    prompt: 'improve the program',
    reply: 'here is a diff',
    tokensIn: 120,
    tokensOut: 45,
    costUsd: 0.00125,
    timing: { proposeMs: 12.5, evaluateMs: 340 },
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function makeTrajectory(id: string, overrides: Partial<TrajectoryRecord> = {}): TrajectoryRecord {
  return {
    id,
    runId: null,
    taskId: null,
    task: 'add two numbers',
    status: 'running',
    answer: null,
    verdict: null,
    model: 'scripted:test',
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}
