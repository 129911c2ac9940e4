import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelOutputError } from '../../src/core/errors.ts';
import { findEvolveBlocks } from '../../src/evolve/evolve-blocks.ts';
import { applyDiffReply } from '../../src/evolve/operators/apply-diff.ts';
import { applyRewriteReply } from '../../src/evolve/operators/apply-rewrite.ts';
import { distillInsights } from '../../src/evolve/prompt/insights.ts';
import { consolidateGroup } from '../../src/learn/consolidate.ts';
import { judgeAttempt } from '../../src/learn/judge.ts';
import { validateProposal } from '../../src/learn/proposals.ts';
import { reflectOnAttempt } from '../../src/learn/reflect.ts';
import { stepFailureOf } from '../../src/learn/step-failure.ts';
import type { Task } from '../../src/learn/task-stream.ts';
import { parseToolCallFromText, parseToolReply } from '../../src/model/tool-fallback.ts';
import type { ToolDefinition } from '../../src/model/types.ts';
import { createScriptedModel } from '../../src/testing/index.ts';
import { fakeProblem } from '../evolve/engine/fakes.ts';
import { anyJson, fuzzSeed, malformedReply, searchReplaceReply } from './arbitraries.ts';

/**
 * 10,000 malformed model replies through every parser of model output. Each must end as a value
 * or as a recorded failure (a ModelOutputError, or for learn an error `stepFailureOf` records), and
 * an applied edit must leave everything outside the EVOLVE-BLOCKs as it was. Counts per parser:
 * diffs 2800, rewrites 1800, reflections 1300, proposals 1000, tool calls 1300, verdicts 800,
 * consolidations 500, evolve insights 500.
 */
export const fuzzCounts = { diffs: 2800, rewrites: 1800, reflections: 1300, proposals: 1000, toolCalls: 1300, verdicts: 800, consolidations: 500, insights: 500 };

const parent = {
  'program.py': 'import math\n# EVOLVE-BLOCK-START\nx = 10\ny = -4\n# EVOLVE-BLOCK-END\nprint(x, y)\n',
  'other.py': '# EVOLVE-BLOCK-START\nz = 1\n# EVOLVE-BLOCK-END\nprint(z)\n',
  'fixed.py': 'x = 10\n',
};
const evolvableFiles = ['program.py', 'other.py'];
const parentLines = [...new Set(Object.values(parent).flatMap((content) => content.split('\n')).filter((line) => line !== ''))];
/** Malformed replies, half of them blocks aimed at the parent's own lines. */
const diffReply = fc.oneof(malformedReply, searchReplaceReply(parentLines));

/** A file with its EVOLVE-BLOCK interiors blanked: what no edit may change. */
function outside(content: string, path: string): string {
  const blocks = findEvolveBlocks(content, path);
  let text = '';
  let from = 0;
  for (const block of blocks) {
    text += `${content.slice(from, block.interiorStart)}<interior>`;
    from = block.interiorEnd;
  }
  return text + content.slice(from);
}

function expectRecordedEditFailure(error: unknown): void {
  if (!(error instanceof ModelOutputError)) throw error;
  expect(error.message.length).toBeGreaterThan(0);
}

function expectOnlyInteriorsChanged(files: Record<string, string>): void {
  expect(Object.keys(files).sort()).toEqual(Object.keys(parent).sort());
  expect(files['fixed.py']).toBe(parent['fixed.py']);
  for (const path of evolvableFiles) expect(outside(files[path]!, path)).toBe(outside(parent[path as keyof typeof parent], path));
}

const task: Task = { id: 'fuzz', prompt: 'Say hello.', split: 'train' } as Task;
const tools: ToolDefinition[] = [
  { name: 'lookup', description: 'look something up', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
  { name: 'final_answer', description: 'the answer', inputSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } },
];

describe('fuzz: malformed model replies', () => {
  it('feeds 10,000 replies in all, of every shape the issue names', () => {
    expect(Object.values(fuzzCounts).reduce((total, count) => total + count, 0)).toBe(10_000);
    const sample = fc.sample(malformedReply, { seed: fuzzSeed, numRuns: 2000 });
    const isJson = (text: string): boolean => {
      try {
        JSON.parse(text);
        return text.trim() !== '';
      } catch {
        return false;
      }
    };
    const shapes = {
      invalidUtf8: sample.filter((reply) => reply.includes('\uFFFD') || /[\uD800-\uDFFF]/.test(reply)).length,
      huge: sample.filter((reply) => reply.length > 100_000).length,
      jsonWhereCodeIsExpected: sample.filter(isJson).length,
      nestedFences: sample.filter((reply) => /^`{3,}python\n`{4}/m.test(reply)).length,
      cutOff: sample.filter((reply) => /<<<<<<< SEARCH(?![\s\S]*>>>>>>> REPLACE)/.test(reply)).length,
      empty: sample.filter((reply) => reply === '').length,
    };
    for (const [shape, count] of Object.entries(shapes)) expect({ shape, count: count > 0 }).toEqual({ shape, count: true });
  });

  it(`SEARCH/REPLACE diffs (${fuzzCounts.diffs})`, () => {
    const outcomes = { applied: 0, refused: 0, outsideBlocks: 0 };
    fc.assert(
      fc.property(diffReply, (reply) => {
        try {
          expectOnlyInteriorsChanged(applyDiffReply(parent, reply, { evolvableFiles }).files);
          outcomes.applied += 1;
        } catch (error) {
          expectRecordedEditFailure(error);
          outcomes.refused += 1;
          if (/outside (the|its) EVOLVE-BLOCKs/.test((error as Error).message)) outcomes.outsideBlocks += 1;
        }
      }),
      { seed: fuzzSeed, numRuns: fuzzCounts.diffs },
    );
    // The cases reached both ends, and edits aimed outside the blocks were among the refused.
    expect(outcomes.applied).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.outsideBlocks).toBeGreaterThan(0);
  });

  it(`rewrites (${fuzzCounts.rewrites})`, () => {
    fc.assert(
      fc.property(diffReply, (reply) => {
        try {
          expectOnlyInteriorsChanged(applyRewriteReply(parent, reply, { evolvableFiles }));
        } catch (error) {
          expectRecordedEditFailure(error);
        }
      }),
      { seed: fuzzSeed + 1, numRuns: fuzzCounts.rewrites },
    );
  });

  it(`JSON reflections through the model client, repair included (${fuzzCounts.reflections})`, async () => {
    await fc.assert(
      fc.asyncProperty(malformedReply, malformedReply, async (first, second) => {
        const model = createScriptedModel({ replies: [first, second] });
        const input = { task, answer: 'hello', verdict: { passed: true, score: 1, feedback: '', source: 'verifier' as const, method: 'exact' }, transcript: 'said hello', injected: [] };
        try {
          const reflection = await reflectOnAttempt(model, input);
          for (const proposal of reflection.proposals) expect(typeof proposal.name).toBe('string');
        } catch (error) {
          // Not a crash of the run: the learn loop records it as the reflect step's failure.
          if (stepFailureOf('reflect', error) === undefined) throw error;
        }
      }),
      { seed: fuzzSeed + 2, numRuns: fuzzCounts.reflections },
    );
  });

  it(`proposals, each checked on its own (${fuzzCounts.proposals})`, () => {
    fc.assert(
      fc.property(anyJson, (raw) => {
        const checked = validateProposal(raw, 'fuzz');
        if (!checked.ok) expect(checked.problems.length).toBeGreaterThan(0);
      }),
      { seed: fuzzSeed + 3, numRuns: fuzzCounts.proposals },
    );
  });

  it(`tool calls as text and as constrained replies (${fuzzCounts.toolCalls})`, async () => {
    const names = new Set(tools.map((tool) => tool.name));
    await fc.assert(
      fc.asyncProperty(malformedReply, fc.boolean(), async (reply, throughClient) => {
        if (!throughClient) {
          const call = parseToolCallFromText(reply, tools);
          if (call !== undefined) expect(names.has(call.name)).toBe(true);
          const parsed = parseToolReply(reply, tools);
          for (const toolCall of parsed?.toolCalls ?? []) expect(names.has(toolCall.name)).toBe(true);
          return;
        }
        const model = createScriptedModel({ replies: [reply], nativeTools: false });
        try {
          const result = await model.generateText({ prompt: 'use a tool', tools });
          for (const toolCall of result.toolCalls) expect(names.has(toolCall.name)).toBe(true);
        } catch (error) {
          // Only a reply over its size cap may fail here, and that is recorded by the caller.
          if (!(error instanceof ModelOutputError)) throw error;
        }
      }),
      { seed: fuzzSeed + 4, numRuns: fuzzCounts.toolCalls },
    );
  });

  it(`judge verdicts from a critic (${fuzzCounts.verdicts})`, async () => {
    await fc.assert(
      fc.asyncProperty(malformedReply, malformedReply, async (first, second) => {
        const critic = createScriptedModel({ replies: [first, second] });
        const verdict = await judgeAttempt(task, 'hello', 'said hello', { critic });
        expect(verdict.score).toBeGreaterThanOrEqual(0);
        expect(verdict.score).toBeLessThanOrEqual(1);
        if (verdict.error !== undefined) expect(verdict.passed).toBe(false);
      }),
      { seed: fuzzSeed + 5, numRuns: fuzzCounts.verdicts },
    );
  });
  it(`consolidations (${fuzzCounts.consolidations})`, async () => {
    const group = [
      { taskId: 'a', prompt: 'Convert 3 feet to metres.', passed: false, answer: '1', feedback: 'wrong', transcript: 'said 1', trajectoryId: null },
      { taskId: 'b', prompt: 'Convert 5 feet to metres.', passed: true, answer: '1.52', feedback: 'right', transcript: 'said 1.52', trajectoryId: null },
    ];
    await fc.assert(
      fc.asyncProperty(malformedReply, malformedReply, async (first, second) => {
        const model = createScriptedModel({ replies: [first, second] });
        try {
          const { proposal, invalid } = await consolidateGroup(model, group);
          if (proposal !== undefined) expect(proposal.kind).toBe('skill');
          if (invalid !== undefined) expect(invalid.problems.length).toBeGreaterThan(0);
        } catch (error) {
          if (stepFailureOf('consolidate', error) === undefined) throw error;
        }
      }),
      { seed: fuzzSeed + 6, numRuns: fuzzCounts.consolidations },
    );
  });

  it(`evolve insights (${fuzzCounts.insights})`, async () => {
    const problem = fakeProblem();
    const summaries = [{ operator: 'diff', score: 1, parentScore: 0.5, failure: null, change: '-x = 1\n+x = 2' }];
    await fc.assert(
      fc.asyncProperty(malformedReply, malformedReply, async (first, second) => {
        const model = createScriptedModel({ replies: [first, second] });
        try {
          const { insights } = await distillInsights({ problem, model, summaries, previous: ['keep x small'] });
          expect(insights.length).toBeLessThanOrEqual(5);
          for (const insight of insights) expect(insight.length).toBeLessThanOrEqual(300);
        } catch (error) {
          // The engine reports a failed refresh and keeps its insights (insights-schedule.ts).
          expectRecordedEditFailure(error);
        }
      }),
      { seed: fuzzSeed + 7, numRuns: fuzzCounts.insights },
    );
  });
});
