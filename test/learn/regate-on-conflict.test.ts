import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LessonContent } from '../../src/library/artifact-content.ts';
import { Curator } from '../../src/library/curate/curator.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { createAgentActor } from '../../src/learn/actor.ts';
import { maxRegates, ProposalDecider } from '../../src/learn/decide-proposal.ts';
import { Gate, type GateFigures, type GateOptions, type Overlay } from '../../src/learn/gate.ts';
import type { LearnEvent } from '../../src/learn/learn-events.ts';
import { storeLearnProgress } from '../../src/learn/learn-progress.ts';
import type { Task } from '../../src/learn/task-stream.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { temporaryDirectory } from '../library/support.ts';
import { answeringModel, config } from './support.ts';

/**
 * One library, two learners: while this learner's gate assesses its update of a lesson, another
 * learner commits a version of the same lesson. The commit then meets a moved head. The proposal
 * is planned and gated again on the new head and committed on top of it (never over it), or, when
 * the head keeps moving, rejected with the reason after a bounded number of re-gates. The other
 * learner is a second Library on the same SQLite file; what happened is read from the store.
 */
class GateWithRival extends Gate {
  readonly overlays: Overlay[] = [];
  readonly #rival: (assessment: number) => Promise<void>;

  constructor(options: GateOptions, rival: (assessment: number) => Promise<void>) {
    super(options);
    this.#rival = rival;
  }

  override async assess(overlay: Overlay, heldOut: readonly Task[], libraryRevision: string): Promise<GateFigures> {
    this.overlays.push(overlay);
    const figures = await super.assess(overlay, heldOut, libraryRevision);
    await this.#rival(this.overlays.length);
    return figures;
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(rivalCommitsOn: (assessment: number) => boolean) {
  const directory = temporaryDirectory('lamarck-regate-');
  cleanups.push(() => directory.remove());
  const path = join(directory.path, 'shared.db');
  const library = new Library({ store: SqliteStore.open({ path }) });
  const rival = new Library({ store: SqliteStore.open({ path }) });
  cleanups.push(() => library.store.close(), () => rival.store.close());
  await library.add('lesson', 'shared-lesson', { title: 'shared', text: 'Seed advice.' });
  const index = new LibraryIndex();
  const gate = new GateWithRival(
    {
      index,
      actor: createAgentActor({ model: answeringModel(() => 'x'), store: library.store, limits: { maxSteps: 2 } }),
      // No held-out tasks and no probes: the gate's rule accepts, and nothing is judged.
      judge: async () => {
        throw new Error('nothing is judged without held-out tasks');
      },
      config: config({ gate: { holdoutSize: 0 } }),
    },
    async (assessment) => {
      if (rivalCommitsOn(assessment)) await rival.update('lesson', 'shared-lesson', { title: 'shared', text: `Rival advice ${assessment}.` }, { message: `rival ${assessment}` });
    },
  );
  const events: LearnEvent[] = [];
  const decider = new ProposalDecider({
    library,
    index,
    curator: new Curator(index),
    gate,
    progress: storeLearnProgress(library.store, 'run_regate'),
    emit: (event) => events.push(event),
    takeGateAttempts: () => [],
  });
  const planned = {
    id: 'run_regate:t1#0',
    proposal: { op: 'update' as const, kind: 'lesson' as const, name: 'shared-lesson', content: { title: 'shared', text: 'Advice from this learner.' } as LessonContent, rationale: 'r', origin: 'reflection' },
    trajectoryIds: [],
    findings: {},
  };
  return { library, gate, events, decide: () => decider.decide(planned, [], 't1') };
}

describe('a version conflict between two learners', () => {
  it('gates the loser again on the new head and commits it on top, never over the winner', async () => {
    const { library, gate, events, decide } = await setUp((assessment) => assessment === 1);
    const decision = await decide();

    const history = await library.history('lesson', 'shared-lesson');
    expect(history.map((version) => (version.content as LessonContent).text)).toEqual(['Seed advice.', 'Rival advice 1.', 'Advice from this learner.']);
    expect(decision).toMatchObject({ outcome: 'committed', version: 3 });
    // The second assessment judged the proposal against the rival's version, and the commit was made on it.
    expect(gate.overlays).toHaveLength(2);
    expect(gate.overlays[0]!.entries![0]!.version.parentIds).toEqual([history[0]!.id]);
    expect(gate.overlays[1]!.entries![0]!.version.parentIds).toEqual([history[1]!.id]);
    expect(history[2]!.parentIds).toEqual([history[1]!.id]);
    expect(history[2]!.evaluation).toMatchObject({ proposalId: 'run_regate:t1#0', regatedAfterConflicts: 1 });
    expect(events.map((event) => event.type)).toEqual(['proposal-regated', 'proposal-committed']);
    expect(events[0]).toMatchObject({ attempt: 1, reason: expect.stringMatching(/^conflict: /) });
  });

  it('rejects with the reason when the head moves under every re-gate, leaving the other writer’s versions alone', async () => {
    const { library, gate, events, decide } = await setUp(() => true);
    const decision = await decide();

    expect(decision.outcome).toBe('rejected');
    expect(gate.overlays).toHaveLength(maxRegates + 1);
    const history = await library.history('lesson', 'shared-lesson');
    expect(history.map((version) => (version.content as LessonContent).text)).toEqual(['Seed advice.', ...gate.overlays.map((_, index) => `Rival advice ${index + 1}.`)]);
    expect(events.filter((event) => event.type === 'proposal-regated')).toHaveLength(maxRegates);
    const rejected = events.at(-1)!;
    expect(rejected).toMatchObject({ type: 'proposal-rejected', reason: expect.stringMatching(/^conflict: .*gated again 3 times on newer heads/) });
  });

});
