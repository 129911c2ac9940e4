import { describe, expect, it } from 'vitest';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { parseEngineSettings } from '../../../src/evolve/engine/engine-settings.ts';
import type { EvolveEvent, EvolveSummary } from '../../../src/evolve/engine/events.ts';
import { ProgramLoader } from '../../../src/evolve/engine/program-loader.ts';
import { rebuildDatabase } from '../../../src/evolve/engine/rebuild-database.ts';
import { evolve, type EvolveOptions } from '../../../src/evolve/evolve.ts';
import { createLlmDiffOperator } from '../../../src/evolve/operators/llm-operators.ts';
import { createReflectiveOperator } from '../../../src/evolve/operators/reflective-operator.ts';
import type { EvaluationResult, Evaluator, Problem } from '../../../src/evolve/types.ts';
import type { ProgramRecord, Store } from '../../../src/store/types.ts';
import { createScriptedModel, type ScriptedRequest } from '../../../src/testing/scripted-model.ts';
import { closeAfterEach } from './test-resources.ts';

/**
 * Reflective mutation and the Pareto front through the whole engine, with a scripted model. The
 * "program" is an agent's system prompt; the evaluator passes a task when the prompt states the
 * rule the task needs, and reports the failing tasks as trajectories with the verifier's reason.
 * The scripted model fixes only what the failing cases it is shown describe.
 */
const { memoryStore } = closeAfterEach();

const promptPath = 'prompt.md';
const opening = 'You answer questions.';
const tasks = [
  { task: 'bridge', prompt: 'How long is the bridge?', answer: '1200 ft', rule: 'Give lengths in metres.', reason: 'the verifier expects the length in metres' },
  { task: 'ticket', prompt: 'What does the ticket cost?', answer: '$12', rule: 'Give prices in euros.', reason: 'the verifier expects the price in euros' },
  { task: 'opening', prompt: 'When did it open?', answer: '3/4/1932', rule: 'Write dates as YYYY-MM-DD.', reason: 'the verifier expects an ISO date (YYYY-MM-DD)' },
];

function agentProblem(settings: Problem['settings']): Problem {
  return {
    directory: '/tmp/agent-prompt',
    name: 'agent-prompt',
    files: { [promptPath]: `# EVOLVE-BLOCK-START\n${opening}\n# EVOLVE-BLOCK-END\n` },
    evolvableFiles: [promptPath],
    entryFile: promptPath,
    evaluator: { kind: 'command', command: ['true'], timeoutMs: 1000, memoryLimitMb: 100, maxOutputBytes: 1000, cascade: [] },
    objective: 'maximize',
    features: [{ name: 'code-length', bins: 4 }],
    templates: {},
    description: 'The system prompt of a question-answering agent.',
    settings,
  };
}

/** success = share of tasks whose rule the prompt states; cost grows with every line of the prompt. */
function agentEvaluator(): Evaluator {
  return {
    async evaluate(files): Promise<EvaluationResult> {
      const text = files[promptPath] ?? '';
      const failing = tasks.filter((task) => !text.includes(task.rule));
      const success = (tasks.length - failing.length) / tasks.length;
      const cost = Math.round(text.split('\n').length * 100) / 10_000;
      return {
        ok: true,
        score: success,
        metrics: { success, cost, tokens: text.length },
        artifacts: {
          evaluation: `${tasks.length - failing.length} of ${tasks.length} passed`,
          failing_trajectories: failing.map(({ task, prompt, answer, reason }) => ({ task, prompt, answer, transcript: `step 1: answered ${answer}`, verdict: 'fail', reason })),
        },
        failure: null,
        stages: 1,
        durationMs: 1,
      };
    },
  };
}

/**
 * Shown failing cases, the model adds the rule each one's reason calls for; shown none (a diff of
 * a program that passes everything), it adds a line that only costs.
 */
function fixingReply(request: ScriptedRequest): string {
  const asked = request.lastUserText;
  if (!asked.includes('# Cases this program failed')) return `Shorter answers may help.\n<<<<<<< SEARCH\n${opening}\n=======\n${opening}\nBe concise.\n>>>>>>> REPLACE`;
  const reasons = [...asked.matchAll(/^reason: (.*)$/gm)].map((match) => match[1]!);
  const rules = tasks.filter((task) => reasons.includes(task.reason)).map((task) => task.rule);
  return `Each failure is a format the prompt never asks for.\n<<<<<<< SEARCH\n${opening}\n=======\n${[opening, ...rules].join('\n')}\n>>>>>>> REPLACE`;
}

const settings = {
  islands: 1,
  operators: { 'llm-diff': 0 },
  repair: false,
  insightsEvery: 0,
  reflection: { maxCases: 2 },
  objectives: { success: 'maximize', cost: 'minimize' },
};

async function run(store: Store, iterations: number, extra: Partial<EvolveOptions> = {}) {
  const model = createScriptedModel({ replies: Array.from({ length: extra.resume === undefined ? iterations : iterations / 2 }, () => fixingReply) });
  const handle = evolve({
    problem: agentProblem(settings),
    store,
    models: [model],
    evaluator: agentEvaluator(),
    operators: [createReflectiveOperator(), createLlmDiffOperator()],
    iterations,
    seed: 9,
    concurrency: { evaluations: 1, proposals: 1, window: 1 },
    ...extra,
  });
  const events: EvolveEvent[] = [];
  for await (const event of handle.events) events.push(event);
  const summary = await handle.result;
  model.verify();
  return { summary, events, runId: await handle.runId, model };
}

function failingCount(record: ProgramRecord | undefined): number {
  const value = record?.artifacts['failing_trajectories'];
  return Array.isArray(value) ? value.length : 0;
}

function frontValues(summary: EvolveSummary) {
  return summary.front?.members.map((member) => ({ score: member.score, ...member.objectives }));
}

describe('evolving an agent prompt with reflective mutation and a Pareto front', () => {
  it('reflects on the failing trajectories only where there are some, and fixes what they describe', async () => {
    const store = memoryStore();
    const { summary, events, runId, model } = await run(store, 8);
    expect(summary.initialScore).toBe(0);
    expect(summary.bestScore).toBe(1);
    expect(summary.operators['llm-reflect']!.improved).toBeGreaterThanOrEqual(2);
    const programs = await store.listPrograms(runId);
    const byId = new Map(programs.map((program) => [program.id, program]));
    const reflected = programs.filter((program) => program.operator === 'llm-reflect');
    const others = programs.filter((program) => program.parentId !== null && program.operator !== 'llm-reflect');
    expect(reflected.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    for (const child of reflected) {
      const parent = byId.get(child.parentId!);
      expect(failingCount(parent)).toBeGreaterThan(0);
      // The prompt held the parent's failing trajectories, two at most (settings.reflection.maxCases).
      const firstFailing = (parent!.artifacts['failing_trajectories'] as Array<{ task: string; reason: string }>)[0]!;
      expect(child.prompt).toContain(`task: ${firstFailing.task}`);
      expect(child.prompt).toContain(`reason: ${firstFailing.reason}`);
      expect(child.prompt).not.toContain('## Failed case 3');
    }
    // A parent that fails nothing gets another operator (here the diff, whose line only costs).
    for (const child of others) expect(failingCount(byId.get(child.parentId!))).toBe(0);
    // The first reflection saw two of the three failures and fixed exactly those.
    const first = reflected[0]!;
    expect(first.metrics['success']).toBeCloseTo(2 / 3);
    expect(model.calls.length).toBe(8);
    // Outside exploration, parents come from the front.
    const draws = new Set(events.flatMap((event) => (event.type === 'candidate-proposed' ? [event.draw] : [])));
    expect([...draws].every((draw) => draw === 'pareto' || draw === 'exploration')).toBe(true);
  });

  it('keeps the cheap-but-weaker and the strong-but-costly programs on the front and drops the dominated ones', async () => {
    const store = memoryStore();
    const { summary, runId } = await run(store, 8);
    const evaluated = (await store.listPrograms(runId)).filter((program) => program.status === 'evaluated');
    const point = (program: ProgramRecord) => ({ success: program.metrics['success'] as number, cost: program.metrics['cost'] as number });
    const dominates = (left: ReturnType<typeof point>, right: ReturnType<typeof point>) =>
      left.success >= right.success && left.cost <= right.cost && (left.success > right.success || left.cost < right.cost);
    const members = new Set(summary.front!.members.map((member) => member.programId));
    expect(summary.front!.objectives).toEqual([
      { metric: 'success', goal: 'maximize' },
      { metric: 'cost', goal: 'minimize' },
    ]);
    // The initial prompt (nothing passes, cheapest) and the best (everything passes, costlier) are both kept.
    expect(members.has(evaluated[0]!.id)).toBe(true);
    expect(members.has(summary.bestProgramId!)).toBe(true);
    expect(summary.front!.members[0]).toMatchObject({ programId: summary.bestProgramId, objectives: { success: 1 } });
    let dominated = 0;
    for (const program of evaluated) {
      const beaten = evaluated.some((other) => dominates(point(other), point(program)));
      if (beaten) dominated += 1;
      // On the front exactly when nothing evaluated beats it (unique values here, and under frontSize).
      const unique = evaluated.filter((other) => other.metrics['success'] === program.metrics['success'] && other.metrics['cost'] === program.metrics['cost'])[0]!.id === program.id;
      expect(members.has(program.id)).toBe(!beaten && unique);
    }
    expect(dominated).toBeGreaterThan(0);
  });

  it('rebuilds the same front on resume, so a resumed run ends with the front of an uninterrupted one', async () => {
    const whole = await run(memoryStore(), 8);
    const store = memoryStore();
    const half = await run(store, 4);
    const resumed = await run(store, 8, { resume: half.runId });
    expect(resumed.summary.resumed).toBe(true);
    expect(resumed.summary.iterations).toBe(8);
    expect(frontValues(resumed.summary)).toEqual(frontValues(whole.summary));
    // A database rebuilt from the stored records alone holds the front the run reported.
    const problem = agentProblem(settings);
    const database = new ProgramDatabase(parseEngineSettings(problem.settings, problem.features).database);
    await rebuildDatabase({ store, runId: half.runId, database, loader: new ProgramLoader({ store, evolvableFiles: problem.evolvableFiles }) });
    expect(database.front!.summary()).toEqual(resumed.summary.front);
  });
});
