import { describe, expect, it } from 'vitest';
import { createAgentActor } from '../../src/learn/actor.ts';
import { domainTarget, writeCurriculum, type CurriculumCalibration } from '../../src/learn/curriculum.ts';
import { LibraryKnowledge } from '../../src/learn/library-knowledge.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import type { UsageMeter } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';
import { createLeveledAgent, createSumWriter, leveledAgentReply, sumTerms } from './curriculum-scripted.ts';

// The writer's first batch: sums of 2, 3, 4, 7 and 8 numbers. An agent of ability a solves a sum
// of a numbers 2 of 4 tries, a - 1 numbers 3 of 4, a - 2 always, a + 1 once, a + 2 never.
const firstBatch = [2, 3, 4, 7, 8];

async function calibrated(options: { ability: number; agentCalls: number; batches: number; low?: number; high?: number; meter?: UsageMeter; firstAddends?: number[]; count?: number }) {
  const write = createSumWriter(options.firstAddends ?? firstBatch);
  const writer = createScriptedModel({ spec: 'scripted:writer', replies: Array.from({ length: options.batches }, () => (request) => ({ object: write(request.lastUserText) })) });
  // One agent behind every reply, so its tries at a prompt are counted across calls.
  const agent = createLeveledAgent(options.ability);
  const agentModel = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: options.agentCalls }, () => leveledAgentReply(agent)) });
  const index = new LibraryIndex();
  await index.sync(new Library({ store: createMemoryStore() }));
  const calibration: CurriculumCalibration = {
    actor: createAgentActor({ model: agentModel, limits: { maxSteps: 2 }, ...(options.meter === undefined ? {} : { meter: options.meter }) }),
    knowledge: (task) => new LibraryKnowledge({ index, task: task.prompt, tokenBudget: 400 }),
    tries: 4,
    low: options.low ?? 0.25,
    high: options.high ?? 0.75,
    rounds: 3,
  };
  const curriculum = await writeCurriculum({ model: writer, targets: [domainTarget('sums of several numbers', 'sums')], count: options.count ?? 3, calibration, meter: options.meter });
  return { curriculum, writer, agentModel };
}

const addends = (prompt: string): number => sumTerms(prompt)!.length;

describe('curriculum difficulty calibrated towards half success', () => {
  it('keeps only the tasks the agent solves about half the time and asks for harder and easier variants of the rest', async () => {
    const { curriculum, writer, agentModel } = await calibrated({ ability: 4, agentCalls: 24, batches: 2 });
    writer.verify();
    agentModel.verify();
    expect(curriculum.batches).toBe(2);
    // Round 1 keeps the sums of 3 and 4 numbers; round 2 asks a harder variant of the 2-number sum
    // (4 numbers: kept) and easier ones of the 7- and 8-number sums, which are not needed any more.
    expect(curriculum.kept.map((kept) => [addends(kept.task.prompt), kept.measured])).toEqual([
      [3, { passes: 3, tries: 4 }],
      [4, { passes: 2, tries: 4 }],
      [4, { passes: 2, tries: 4 }],
    ]);
    expect(writer.calls[1]!.lastUserText).toMatch(/The agent solved these too often\. Write harder variants of them:\n- Add \d+ and \d+\. \(solved 4 of 4 tries\)/);
    expect(writer.calls[1]!.lastUserText).toMatch(/too rarely\. Write easier variants of them:\n- Add (\d+, ){5}\d+ and \d+\. \(solved 0 of 4 tries\)\n- Add (\d+, ){6}\d+ and \d+\. \(solved 0 of 4 tries\)/);
    expect(curriculum.dropped.map((drop) => drop.reason)).toEqual([
      'too easy: the agent solved it 4 of 4 times',
      'too hard: the agent solved it 0 of 4 times',
      'too hard: the agent solved it 0 of 4 times',
      'not needed: 3 tasks for domain-sums are kept already',
      'not needed: 3 tasks for domain-sums are kept already',
    ]);
    expect(curriculum.calibration).toEqual({ tries: 4, low: 0.25, high: 0.75, measured: 6, tooEasy: 1, tooHard: 2, measuredSuccessRate: 11 / 24, keptSuccessRate: 7 / 12 });
  });

  it('keeps longer sums for a stronger agent: what is kept follows the agent, not the writer', async () => {
    const { curriculum, writer, agentModel } = await calibrated({ ability: 6, agentCalls: 32, batches: 2 });
    writer.verify();
    agentModel.verify();
    expect(curriculum.kept.map((kept) => [addends(kept.task.prompt), kept.measured?.passes])).toEqual([
      [7, 1],
      [5, 3],
      [6, 2],
    ]);
    expect(curriculum.calibration).toMatchObject({ measured: 8, tooEasy: 4, tooHard: 1, keptSuccessRate: 0.5 });
  });

  it('with a band of exactly one half keeps only tasks solved 2 of 4 times', async () => {
    // Round 1 keeps the 4-number sum; round 2: harder variants of 2 and 3 numbers (4: kept, 5: too
    // hard), easier ones of 7 and 8 (5, 6: too hard); round 3 easier of 5, 5, 6 (3: too easy, 3, 4: kept).
    const { curriculum, writer, agentModel } = await calibrated({ ability: 4, agentCalls: 20 + 16 + 12, batches: 3, low: 0.5, high: 0.5 });
    writer.verify();
    agentModel.verify();
    expect(curriculum.kept.map((kept) => kept.measured)).toEqual([
      { passes: 2, tries: 4 },
      { passes: 2, tries: 4 },
      { passes: 2, tries: 4 },
    ]);
    expect(curriculum.calibration?.keptSuccessRate).toBe(0.5);
  });

  it('asks for more tasks like the first when a batch falls short with nothing too easy or too hard to vary', async () => {
    const { curriculum, writer } = await calibrated({ ability: 4, agentCalls: 8, batches: 2, firstAddends: [3], count: 2 });
    writer.verify();
    expect(writer.calls[1]!.lastUserText).toMatch(/^Domain: sums of several numbers\s+Write 1 tasks\./);
    expect(curriculum.kept.map((kept) => addends(kept.task.prompt))).toEqual([3, 3]);
  });

  it('stops at the budget with the tasks measured so far, the unmeasured one dropped with why', async () => {
    // 9 calls: the writer's, then 4 tries each of the 2- and 3-number sums; the 10th is refused.
    const meter = createUsageMeter({ maxCalls: 9 });
    const { curriculum, agentModel } = await calibrated({ ability: 4, agentCalls: 8, batches: 1, meter });
    agentModel.verify();
    expect(curriculum.stopped).toMatch(/^the budget ran out/);
    expect(curriculum.kept.map((kept) => addends(kept.task.prompt))).toEqual([3]);
    expect(curriculum.dropped.map((drop) => drop.reason)).toEqual(['too easy: the agent solved it 4 of 4 times', 'the budget ran out before its difficulty was measured']);
    expect(meter.totals().calls).toBe(9);
  });
});
