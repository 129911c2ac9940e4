/**
 * The loops of issue 13 with scripted models (no LLM here). Measured: the model cascade's cost
 * against always-strong on one task stream: 30 tasks of three kinds (sums, which the cheap model
 * gets wrong above 20; reversed words, which it gets right; vowel counts, which it gets right only
 * for short words), a cheap model at a twentieth of the strong one's price, the learn loop with
 * `escalation` against the same loop with the strong model alone. Both runs' costs are what the
 * usage meter recorded. The curriculum's share of generated tasks kept, on 24 candidates a
 * scripted model writes: sums whose verifier is right, whose expected value is off by one (fails the
 * reference), whose pattern accepts anything (passes the wrong answer), and rewordings of kept sums
 * (near-duplicates); with `--from-gaps` after a learn run, and with difficulty calibrated towards
 * half success for agents of three abilities (bench/curriculum-figures.ts). The agent as an evolve problem: evaluations to reach full training success on
 * examples/agent-prompt with a scripted agent that follows its prompt and a proposer that reads
 * the failing trajectories, over five seeds, for an agent that follows all three formatting rules
 * and one that follows only one (bench/agent-prompt-evolution.ts), with the gate's held-out figures.
 */
import { agentPromptEvolution, median } from './agent-prompt-evolution.ts';
import { calibrationFigures, fromGapsFigures } from './curriculum-figures.ts';
import { createAgentActor } from '../src/learn/actor.ts';
import { domainTarget, writeCurriculum } from '../src/learn/curriculum.ts';
import { parseLearnConfig } from '../src/learn/learn-config.ts';
import { runLearn } from '../src/learn/learn-loop.ts';
import { parseTaskStream, type Task } from '../src/learn/task-stream.ts';
import { Library } from '../src/library/library.ts';
import { createUsageMeter } from '../src/model/usage-meter.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createScriptedModel, type ScriptedRequest } from '../src/testing/scripted-model.ts';

const usage = { inputTokens: 800, outputTokens: 40 };

function taskStream(): Task[] {
  const words = ['lamp', 'stone', 'river', 'mountain', 'cat', 'orchestra', 'sky', 'encyclopedia', 'tree', 'architecture'];
  const lines: object[] = [];
  for (let index = 0; index < 10; index += 1) {
    const a = 3 + index * 4;
    const b = 2 + index * 3;
    const word = words[index]!;
    lines.push({ id: `sum-${index}`, prompt: `Add ${a} and ${b}.`, tags: ['sums'], verify: { type: 'exact', expected: String(a + b) } });
    lines.push({ id: `reverse-${index}`, prompt: `Spell ${word} backwards.`, tags: ['reversal'], verify: { type: 'exact', expected: [...word].reverse().join('') } });
    lines.push({ id: `vowels-${index}`, prompt: `Count the vowels in ${word}.`, tags: ['vowels'], verify: { type: 'exact', expected: String(vowels(word)) } });
  }
  return parseTaskStream(lines.map((line) => JSON.stringify(line)).join('\n'));
}

function vowels(word: string): number {
  return [...word].filter((letter) => 'aeiou'.includes(letter)).length;
}

function answer(ability: 'cheap' | 'strong', task: string): string {
  const sum = /Add (\d+) and (\d+)/.exec(task);
  if (sum !== null) {
    const total = Number(sum[1]) + Number(sum[2]);
    return ability === 'cheap' && total > 20 ? String(total + 1) : String(total);
  }
  const reverse = /Spell (\w+) backwards/.exec(task);
  if (reverse !== null) return [...reverse[1]!].reverse().join('');
  const count = /Count the vowels in (\w+)/.exec(task);
  if (count !== null) return ability === 'cheap' && count[1]!.length > 5 ? '0' : String(vowels(count[1]!));
  return '?';
}

function agentModel(ability: 'cheap' | 'strong') {
  const reply = (request: ScriptedRequest) => {
    const task = request.messages.find((message) => message.role === 'user')?.text ?? '';
    return { toolCalls: [{ name: 'final_answer', input: { answer: answer(ability, task) } }], usage };
  };
  const pricing = ability === 'cheap' ? { inputPerMillion: 0.5, outputPerMillion: 2 } : { inputPerMillion: 10, outputPerMillion: 40 };
  return createScriptedModel({ spec: `scripted:${ability}`, pricing, replies: Array.from({ length: 100 }, () => reply) });
}

async function learn(tasks: Task[], cascade: boolean) {
  const library = new Library({ store: createMemoryStore() });
  const meter = createUsageMeter();
  const config = parseLearnConfig({ consolidateEvery: 0, mirror: false, gate: { holdoutSize: 0 } });
  const learner = createScriptedModel({ spec: 'scripted:learner', replies: tasks.map(() => ({ object: { rootCause: '', keyInsight: '', proposals: [] } })) });
  const actorFor = (ability: 'cheap' | 'strong') => createAgentActor({ model: agentModel(ability), store: library.store, meter, limits: { maxSteps: 2 } });
  const result = await runLearn({
    tasks,
    library,
    actor: actorFor(cascade ? 'cheap' : 'strong'),
    ...(cascade ? { escalation: { strong: actorFor('strong'), ...config.escalation } } : {}),
    learner,
    config,
    meter,
  }).result;
  await library.store.close();
  const totals = meter.totals();
  return {
    passed: result.curves.filter((point) => point.passed).length,
    costUsd: totals.costUsd,
    strongCalls: totals.byModel['scripted:strong']?.calls ?? 0,
    cheapCalls: totals.byModel['scripted:cheap']?.calls ?? 0,
    cascade: result.cascade,
  };
}

function curriculumCandidates(): object[] {
  const candidates: object[] = [];
  for (let index = 0; index < 24; index += 1) {
    const a = 11 + index * 7;
    const b = 5 + index * 3;
    const sum = String(a + b);
    const wrong = String(a + b + 1);
    const flaw = index % 4;
    if (flaw === 0) candidates.push({ prompt: `Add ${a} and ${b}.`, verify: { type: 'exact', expected: sum }, reference: sum, wrong });
    else if (flaw === 1) candidates.push({ prompt: `What is ${a} plus ${b}?`, verify: { type: 'exact', expected: wrong }, reference: sum, wrong: String(a + b + 2) });
    else if (flaw === 2) candidates.push({ prompt: `Sum ${a} with ${b}.`, verify: { type: 'regex', pattern: '\\d+' }, reference: sum, wrong });
    else candidates.push({ prompt: `Add ${11 + (index - 3) * 7} and ${5 + (index - 3) * 3}!`, verify: { type: 'exact', expected: String(11 + (index - 3) * 7 + 5 + (index - 3) * 3) }, reference: String(11 + (index - 3) * 7 + 5 + (index - 3) * 3), wrong: '0' });
  }
  return candidates;
}

async function curriculumShare() {
  const model = createScriptedModel({ spec: 'scripted:writer', replies: [{ object: { tasks: curriculumCandidates() } }] });
  const curriculum = await writeCurriculum({ model, targets: [domainTarget('sums', 'sums')], count: 24 });
  const reasons: Record<string, number> = {};
  for (const drop of curriculum.dropped) {
    const reason = drop.reason.startsWith('a near-duplicate') ? 'near-duplicate' : drop.reason.includes('fails the reference') ? 'verifier fails the reference' : drop.reason.includes('passes the wrong') ? 'verifier passes the wrong solution' : 'other';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return { generated: curriculum.generated, kept: curriculum.kept.length, shareKept: round(curriculum.kept.length / curriculum.generated), droppedBy: reasons };
}

export async function run(): Promise<Record<string, unknown>> {
  const tasks = taskStream();
  const alwaysStrong = await learn(tasks, false);
  const cascade = await learn(tasks, true);
  const curriculum = { domain: await curriculumShare(), fromGaps: await fromGapsFigures(), calibration: await calibrationFigures() };
  const agentPrompt = await agentPromptFigures();
  return {
    tasks: tasks.length,
    cascade: {
      alwaysStrong: { passed: alwaysStrong.passed, costUsd: round(alwaysStrong.costUsd), strongCalls: alwaysStrong.strongCalls },
      cascade: { passed: cascade.passed, costUsd: round(cascade.costUsd), strongCalls: cascade.strongCalls, cheapCalls: cascade.cheapCalls },
      costSavedUsd: round(alwaysStrong.costUsd - cascade.costUsd),
      costRatio: round(cascade.costUsd / alwaysStrong.costUsd),
      escalated: cascade.cascade?.escalated ?? 0,
      routedStrong: cascade.cascade?.routedStrong ?? 0,
      strongKinds: cascade.cascade?.strongKinds ?? [],
      summaryEstimateOfAlwaysStrongUsd: round(cascade.cascade?.alwaysStrongEstimateUsd ?? Number.NaN),
    },
    curriculum,
    agentPrompt,
  };
}

async function agentPromptFigures() {
  const settings = { seeds: [1, 2, 3, 4, 5], iterations: 20, target: 1 };
  const summarize = (runs: Awaited<ReturnType<typeof agentPromptEvolution>>) => {
    const reached = runs.flatMap((run) => (run.evaluationsToTarget === null ? [] : [run.evaluationsToTarget]));
    return {
      reachedTarget: `${reached.length} of ${runs.length} seeds`,
      medianEvaluationsToTarget: median(reached),
      evaluationsToTargetPerSeed: runs.map((run) => run.evaluationsToTarget),
      bestTrainSuccessPerSeed: runs.map((run) => round(run.bestTrainSuccess)),
      heldOutSuccessInitial: runs[0]?.heldOut.initial ?? null,
      heldOutSuccessWinnerPerSeed: runs.map((run) => (run.heldOut.winner === null ? null : round(run.heldOut.winner))),
      committedSeeds: runs.filter((run) => run.committed).length,
    };
  };
  return {
    problem: 'examples/agent-prompt (8 training tasks, 4 held-out)',
    iterationsPerRun: settings.iterations,
    targetTrainSuccess: settings.target,
    agentFollowingThreeRules: summarize(await agentPromptEvolution({ ...settings, ability: 3 })),
    agentFollowingOneRule: summarize(await agentPromptEvolution({ ...settings, ability: 1 })),
  };
}

function round(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
