import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/learn/actor.ts';
import { Gate } from '../../src/learn/gate.ts';
import { gateActor } from '../../src/learn/gate-actor.ts';
import { judgeAttempt } from '../../src/learn/judge.ts';
import { recordCheapAttempt } from '../../src/learn/model-routes.ts';
import type { Task } from '../../src/learn/task-stream.ts';
import { config, memoryLibrary, tasks } from './support.ts';

/** An actor that answers every task with `answer` and notes which tasks it was given. */
function fixedActor(answer: string, seen: string[]): Actor {
  return (task) => {
    seen.push(task.id);
    return Promise.resolve({ answer, trajectoryId: null, transcript: '', inputTokens: 0, outputTokens: 0, costUsd: 0, toolsCalled: [] });
  };
}

const heldOut = (): Task[] =>
  tasks(
    { id: 'sum', prompt: 'Add 2 and 3.', tags: ['arithmetic'], split: 'holdout', verify: { type: 'exact', expected: '5' } },
    { id: 'word', prompt: 'Spell lamp backwards.', tags: ['spelling'], split: 'holdout', verify: { type: 'exact', expected: 'pmal' } },
  );

describe('the gate under a model cascade', () => {
  it('attempts a held-out task with the model its kind is routed to, and does not escalate a failed attempt', async () => {
    const { library, index } = memoryLibrary();
    // Arithmetic has been routed to the strong model; spelling has not.
    for (const taskId of ['a1', 'a2']) await recordCheapAttempt(library, 'arithmetic', true, 2, { runId: 'run-1', taskId, trajectoryIds: [] });
    await index.sync(library);
    const cheapSeen: string[] = [];
    const strongSeen: string[] = [];
    // The cheap model answers both wrong: the spelling attempt fails and must stay failed.
    const escalation = { strong: fixedActor('5', strongSeen), minConfidence: 0.7, routeAfterFailures: 2 };
    const gate = new Gate({ index, actor: gateActor(library, fixedActor('wrong', cheapSeen), escalation), judge: (task, answer, transcript) => judgeAttempt(task, answer, transcript), config: config() });

    const figures = await gate.assess({}, heldOut(), 'revision-1');

    expect(strongSeen).toEqual(['sum']);
    expect(cheapSeen).toEqual(['word']);
    // The strong model's right sum and the cheap model's unescalated wrong spelling: half.
    expect(figures.withoutScore).toBe(0.5);
    await library.store.close();
  });

  it('is the cheap actor itself without a cascade', () => {
    const { library } = memoryLibrary();
    const cheap = fixedActor('x', []);
    expect(gateActor(library, cheap, undefined)).toBe(cheap);
  });
});
