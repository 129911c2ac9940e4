/**
 * One learner process for the shared-library test: opens the SQLite library at argv[2], waits for
 * "go" on stdin, learns from three tasks whose reflections all touch one shared lesson, and prints
 * its decisions as the last line of stdout.
 */
import { Library } from '../../../src/library/library.ts';
import { LibraryIndex } from '../../../src/library/retrieval/library-index.ts';
import { createAgentActor } from '../../../src/learn/actor.ts';
import type { LearnEvent } from '../../../src/learn/learn-events.ts';
import { runLearn } from '../../../src/learn/learn-loop.ts';
import { SqliteStore } from '../../../src/store/sqlite-store.ts';
import { answeringModel, config, learnerModel, lessonProposal, tasks } from '../support.ts';

const [path, label] = process.argv.slice(2) as [string, string];
const library = new Library({ store: SqliteStore.open({ path, busyTimeoutMs: 20_000 }) });
const learner = learnerModel(
  [1, 2, 3].map((round) => ({
    rootCause: '',
    keyInsight: '',
    proposals: [
      lessonProposal(`only-${label}-${round}`, `Lesson ${round} that only learner ${label} writes about ${label}${round}x topics.`),
      { op: 'update', kind: 'lesson', name: 'shared-lesson', content: { title: 'shared', text: `Shared advice from ${label} in round ${round}.` } },
    ],
  })),
);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const events: LearnEvent[] = [];
await runLearn({
  tasks: tasks(
    { id: 't1', prompt: 'First task.', verify: { type: 'exact', expected: 'x' } },
    { id: 't2', prompt: 'Second task.', verify: { type: 'exact', expected: 'x' } },
    { id: 't3', prompt: 'Third task.', verify: { type: 'exact', expected: 'x' } },
  ),
  library,
  index: new LibraryIndex(),
  actor: createAgentActor({ model: answeringModel(() => 'x'), store: library.store, limits: { maxSteps: 2 } }),
  learner,
  config: config({ gate: { holdoutSize: 0 } }),
  onEvent: (event) => events.push(event),
});
await library.store.close();
const decisions = events.flatMap((event) => {
  if (event.type === 'proposal-committed') return [{ name: event.proposal.name, committed: true, version: event.version, reason: '' }];
  if (event.type === 'proposal-rejected') return [{ name: event.proposal?.name ?? '', committed: false, version: 0, reason: event.reason }];
  return [];
});
process.stdout.write(`${JSON.stringify({ label, decisions })}\n`);
