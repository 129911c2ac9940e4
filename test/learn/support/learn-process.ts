/**
 * One learner process for the shared-library test: opens the SQLite library at argv[2], waits for
 * "go" on stdin, learns from three tasks whose reflections all touch one shared lesson, and prints
 * its decisions as the last line of stdout.
 */
import { Library } from '../../../src/library/library.ts';
import { LibraryIndex } from '../../../src/library/retrieval/library-index.ts';
import { SqliteStore } from '../../../src/store/sqlite-store.ts';
import { answeringModel, config, learnerModel, learnOnce, lessonProposal, threeTasks } from '../support.ts';

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
const { events } = await learnOnce({
  tasks: threeTasks(),
  library,
  index: new LibraryIndex(),
  agent: answeringModel(() => 'x'),
  learner,
  config: config({ gate: { holdoutSize: 0 } }),
});
await library.store.close();
const decisions = events.flatMap((event) => {
  if (event.type === 'proposal-committed') return [{ name: event.proposal.name, committed: true, version: event.version, reason: '' }];
  if (event.type === 'proposal-rejected') return [{ name: event.proposal?.name ?? '', committed: false, version: 0, reason: event.reason }];
  return [];
});
process.stdout.write(`${JSON.stringify({ label, decisions })}\n`);
