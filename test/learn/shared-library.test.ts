import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LessonContent } from '../../src/library/artifact-content.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import type { LearnEvent } from '../../src/learn/learn-events.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { temporaryDirectory } from '../library/support.ts';
import { answeringModel, config, learnerModel, learnOnce, lessonProposal, threeTasks } from './support.ts';

describe('two learners sharing one library', () => {
  it('never lose an update: every commit is in the history and every clash is reported', async () => {
    const directory = temporaryDirectory('lamarck-shared-');
    const path = join(directory.path, 'shared.db');
    const learners = ['a', 'b'].map((label) => {
      const library = new Library({ store: SqliteStore.open({ path }) });
      const learner = learnerModel(
        [1, 2, 3].map((round) => ({
          rootCause: '',
          keyInsight: '',
          proposals: [
            lessonProposal(`only-${label}-${round}`, `Lesson ${round} that only learner ${label} writes about ${label}${round}x topics.`),
            // Both learners write the same artifact: one adds it, the other's add or update meets a moved head.
            { op: round === 1 ? 'add' : 'update', kind: 'lesson', name: 'shared-lesson', content: { title: 'shared', text: `Shared advice from ${label} in round ${round}.` } },
          ],
        })),
      );
      return { label, library, learner, events: [] as LearnEvent[] };
    });
    try {
      await Promise.all(
        learners.map(({ library, learner, events }) =>
          learnOnce({
            tasks: threeTasks(),
            library,
            index: new LibraryIndex(),
            agent: answeringModel(() => 'x'),
            learner,
            config: config({ gate: { holdoutSize: 0 } }),
          }).then((run) => events.push(...run.events)),
        ),
      );
      const reader = learners[0]!.library;
      // Each clash is seen: the loser is gated again on the new head (or, past the bound, rejected with the conflict).
      const conflicts = learners.flatMap(({ events }) =>
        events.filter((event) => event.type === 'proposal-regated' || (event.type === 'proposal-rejected' && event.reason.startsWith('conflict'))),
      );
      expect(conflicts.length).toBeGreaterThan(0);
      for (const { label, events } of learners) {
        for (let round = 1; round <= 3; round += 1) expect(await reader.get('lesson', `only-${label}-${round}`)).toBeDefined();
        const sharedDecisions = events.filter(
          (event) => (event.type === 'proposal-committed' || event.type === 'proposal-rejected') && event.proposal?.name === 'shared-lesson',
        );
        // Each of the three shared proposals was either committed or reported, never silently dropped.
        expect(sharedDecisions).toHaveLength(3);
        for (const event of sharedDecisions) {
          if (event.type === 'proposal-rejected') expect(event.reason).toMatch(/conflict|cannot update unknown/);
        }
      }
      // Every committed version of the shared lesson is in its history with the content its learner wrote.
      const history = await reader.history('lesson', 'shared-lesson');
      const committed = learners.flatMap(({ events }) =>
        events.filter((event) => event.type === 'proposal-committed' && event.proposal.name === 'shared-lesson'),
      );
      expect(committed.length).toBeGreaterThanOrEqual(1);
      for (const event of committed) {
        if (event.type !== 'proposal-committed') continue;
        expect(history.some((version) => version.number === event.version)).toBe(true);
      }
      expect(new Set(history.map((version) => (version.content as LessonContent).text)).size).toBe(history.length);
    } finally {
      for (const { library } of learners) await library.store.close();
      directory.remove();
    }
  });

  it('never lose an update across two operating-system processes either', async () => {
    const directory = temporaryDirectory('lamarck-shared-processes-');
    const path = join(directory.path, 'shared.db');
    const seed = new Library({ store: SqliteStore.open({ path }) });
    await seed.add('lesson', 'shared-lesson', { title: 'shared', text: 'Seed advice.' });
    try {
      const script = new URL('./support/learn-process.ts', import.meta.url).pathname;
      const children = ['a', 'b'].map((label) => {
        const child = spawn(process.execPath, [script, path, label], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let markReady: () => void = () => undefined;
        const ready = new Promise<void>((resolve) => (markReady = resolve));
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.startsWith('ready\n')) markReady();
        });
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const report = new Promise<{ label: string; decisions: { name: string; committed: boolean; version: number; reason: string }[] }>((resolve, reject) =>
          child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!)) : reject(new Error(`child ${label} exited ${code}: ${stderr}`)))),
        );
        return { child, ready, report };
      });
      await Promise.all(children.map((child) => child.ready));
      for (const { child } of children) child.stdin.end('go\n');
      const reports = await Promise.all(children.map((child) => child.report));
      const history = await seed.history('lesson', 'shared-lesson');
      for (const report of reports) {
        for (let round = 1; round <= 3; round += 1) expect(await seed.get('lesson', `only-${report.label}-${round}`)).toBeDefined();
        const shared = report.decisions.filter((decision) => decision.name === 'shared-lesson');
        expect(shared).toHaveLength(3);
        for (const decision of shared) {
          if (decision.committed) expect(history.some((version) => version.number === decision.version)).toBe(true);
          else expect(decision.reason).toMatch(/^conflict/);
        }
      }
      // Every version in the history came from exactly one committed decision (or the seed).
      const committedVersions = reports.flatMap((report) => report.decisions.filter((decision) => decision.name === 'shared-lesson' && decision.committed).map((decision) => decision.version));
      expect(new Set(committedVersions).size).toBe(committedVersions.length);
      expect(history).toHaveLength(committedVersions.length + 1);
    } finally {
      await seed.store.close();
      directory.remove();
    }
  });
});
