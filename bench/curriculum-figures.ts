/**
 * The loops bench's curriculum figures beyond the domain share: tasks aimed at the library's gaps,
 * and difficulty calibrated towards half success, with the scripted sums of
 * test/learn/curriculum-scripted.ts (an agent of ability a solves a sum of a numbers 2 of 4 tries;
 * a writer that writes harder or easier variants when asked).
 *
 * - fromGaps: a learn run over 12 sums of 2 to 7 numbers leaves the ones the agent (ability 3)
 *   fails, and a skill added by hand has no held-out coverage; `--from-gaps` finds both gaps and
 *   the writer, shown each, writes sums calibrated on the same agent.
 * - calibration: for agents of ability 3, 5 and 7, the same writer's first batch (sums of 2 to 9
 *   numbers) kept without calibration, then with it: the agent's success on what is kept.
 */
import { createAgentActor } from '../src/learn/actor.ts';
import { domainTarget, gapTarget, writeCurriculum, type CurriculumCalibration, type CurriculumTarget } from '../src/learn/curriculum.ts';
import { measureSuccess } from '../src/learn/curriculum-calibration.ts';
import { findLibraryGaps } from '../src/learn/curriculum-gaps.ts';
import { LibraryKnowledge } from '../src/learn/library-knowledge.ts';
import { parseLearnConfig } from '../src/learn/learn-config.ts';
import { runLearn } from '../src/learn/learn-loop.ts';
import { parseTaskStream } from '../src/learn/task-stream.ts';
import { Library } from '../src/library/library.ts';
import { LibraryIndex } from '../src/library/retrieval/library-index.ts';
import { createUsageMeter } from '../src/model/usage-meter.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createScriptedModel } from '../src/testing/scripted-model.ts';
import { createLeveledAgent, createSumWriter, leveledAgentReply, sumPrompt, sumTerms } from '../test/learn/curriculum-scripted.ts';

const usage = { inputTokens: 800, outputTokens: 40 };
const pricing = { inputPerMillion: 0.5, outputPerMillion: 2 };
const settings = { tries: 4, low: 0.25, high: 0.75, rounds: 3, count: 6 };

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function agentModel(ability: number) {
  const agent = createLeveledAgent(ability);
  const reply = leveledAgentReply(agent);
  return createScriptedModel({ spec: 'scripted:agent', pricing, replies: Array.from({ length: 2000 }, () => (request: Parameters<typeof reply>[0]) => ({ ...(reply(request) as object), usage }) as ReturnType<typeof reply>) });
}

function writerModel(firstBatch: readonly number[]) {
  const write = createSumWriter(firstBatch);
  return createScriptedModel({ spec: 'scripted:writer', pricing, replies: Array.from({ length: 100 }, () => (request: { lastUserText: string }) => ({ object: write(request.lastUserText), usage })) });
}

async function calibrationFor(library: Library, model: ReturnType<typeof agentModel>, meter: ReturnType<typeof createUsageMeter>): Promise<CurriculumCalibration> {
  const index = new LibraryIndex();
  await index.sync(library);
  return {
    actor: createAgentActor({ model, meter, limits: { maxSteps: 2 } }),
    knowledge: (task) => new LibraryKnowledge({ index, task: task.prompt, tokenBudget: 400 }),
    tries: settings.tries,
    low: settings.low,
    high: settings.high,
    rounds: settings.rounds,
  };
}

async function calibrated(library: Library, ability: number, targets: CurriculumTarget[], firstBatch: readonly number[]) {
  const meter = createUsageMeter();
  const calibration = await calibrationFor(library, agentModel(ability), meter);
  const curriculum = await writeCurriculum({ model: writerModel(firstBatch), targets, count: settings.count, calibration, meter });
  return { curriculum, costUsd: meter.totals().costUsd };
}

export async function fromGapsFigures() {
  const library = new Library({ store: createMemoryStore() });
  const lines = Array.from({ length: 12 }, (_, index) => {
    const addends = 2 + (index % 6);
    const prompt = sumPrompt(addends, 200 + index);
    return JSON.stringify({ id: `sum-${index}`, prompt, tags: ['sums'], verify: { type: 'exact', expected: String(sumTerms(prompt)!.reduce((sum, value) => sum + value, 0)) } });
  });
  const tasks = parseTaskStream(lines.join('\n'));
  const ability = 3;
  const learner = createScriptedModel({ spec: 'scripted:learner', replies: tasks.map(() => ({ object: { rootCause: '', keyInsight: '', proposals: [] } })) });
  const config = parseLearnConfig({ consolidateEvery: 0, mirror: false, gate: { holdoutSize: 0 } });
  const learned = await runLearn({ tasks, library, actor: createAgentActor({ model: agentModel(ability), store: library.store, limits: { maxSteps: 2 } }), learner, config }).result;
  // A skill added by hand, never checked on a held-out task: the second kind of gap.
  await library.add('skill', 'column-sums', { description: 'Add up a column of numbers without losing a carry', body: 'Add the numbers two at a time, writing each carry down.' });
  const gaps = await findLibraryGaps(library);
  // The writer's first batch mirrors what failed: sums of 5 to 7 numbers, and 2 as a control.
  const { curriculum, costUsd } = await calibrated(library, ability, gaps.map(gapTarget), [2, 5, 6, 7, 3, 4]);
  await library.store.close();
  return {
    learnRun: { tasks: tasks.length, passed: learned.curves.filter((point) => point.passed).length },
    gaps: gaps.map((gap) => (gap.type === 'failure-cluster' ? `${gap.id}: ${gap.failed} of ${gap.attempted} still fail` : `${gap.id}: ${gap.reason}`)),
    generated: curriculum.generated,
    kept: curriculum.kept.length,
    shareKept: round(curriculum.kept.length / curriculum.generated),
    keptTargeting: Object.fromEntries(gaps.map((gap) => [gap.id, curriculum.kept.filter((kept) => kept.target === gap.id).length])),
    batches: curriculum.batches,
    keptSuccessRate: round(curriculum.calibration?.keptSuccessRate ?? null),
    targetSuccessRate: 0.5,
    costUsd: round(costUsd),
  };
}

/** The agent's success over the tries on every task the curriculum kept without calibration. */
async function uncalibratedSuccess(library: Library, ability: number, firstBatch: readonly number[]): Promise<{ kept: number; successRate: number | null }> {
  const uncalibrated = await writeCurriculum({ model: writerModel(firstBatch), targets: [domainTarget('sums', 'sums')], count: firstBatch.length });
  const calibration = await calibrationFor(library, agentModel(ability), createUsageMeter());
  let passes = 0;
  for (const kept of uncalibrated.kept) passes += (await measureSuccess(kept.task, calibration)).passes;
  return { kept: uncalibrated.kept.length, successRate: uncalibrated.kept.length === 0 ? null : passes / (uncalibrated.kept.length * settings.tries) };
}

export async function calibrationFigures() {
  const library = new Library({ store: createMemoryStore() });
  const firstBatch = [2, 3, 4, 5, 6, 7, 8, 9];
  const agents: Record<string, unknown> = {};
  for (const ability of [3, 5, 7]) {
    const without = await uncalibratedSuccess(library, ability, firstBatch);
    const { curriculum, costUsd } = await calibrated(library, ability, [domainTarget('sums', 'sums')], firstBatch);
    agents[`ability${ability}`] = {
      withoutCalibration: { kept: without.kept, successRate: round(without.successRate) },
      calibrated: {
        generated: curriculum.generated,
        kept: curriculum.kept.length,
        shareKept: round(curriculum.kept.length / curriculum.generated),
        batches: curriculum.batches,
        tooEasy: curriculum.calibration?.tooEasy ?? 0,
        tooHard: curriculum.calibration?.tooHard ?? 0,
        keptSuccessRate: round(curriculum.calibration?.keptSuccessRate ?? null),
        distanceFromHalf: round(Math.abs((curriculum.calibration?.keptSuccessRate ?? Number.NaN) - 0.5)),
        costUsd: round(costUsd),
      },
    };
  }
  await library.store.close();
  return { settings: { ...settings, targetSuccessRate: 0.5, firstBatchAddends: firstBatch }, agents };
}
