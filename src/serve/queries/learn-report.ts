import { isJsonObject, type JsonObject } from '../../core/json.ts';
import type { RunRecord, Store, StoredEvent } from '../../store/types.ts';
import type { LearnReport } from '../api-types.ts';

/**
 * A learn run from its event log: the learning curve (one point per task: success, cost, tokens
 * injected, library size, new artifacts), every gate decision (committed or rejected, with the
 * held-out scores and safety probes that decided it), and each task's verdict with links to the
 * trajectories of its attempts.
 */
export async function learnReport(store: Store, run: RunRecord): Promise<LearnReport> {
  const events = await allEvents(store, run.id);
  const report: LearnReport = { curve: [], gates: [], tasks: [], events: events.length };
  const tasks = new Map<string, LearnReport['tasks'][number]>();
  const taskEntry = (taskId: string) => {
    let entry = tasks.get(taskId);
    if (entry === undefined) {
      entry = { taskId, passed: null, answer: null, verdict: null, trajectoryIds: [] };
      tasks.set(taskId, entry);
    }
    return entry;
  };
  for (const event of events) {
    const data = event.data;
    const taskId = typeof data['taskId'] === 'string' ? data['taskId'] : '';
    switch (event.type) {
      case 'task-started':
        taskEntry(taskId);
        break;
      case 'task-judged': {
        const entry = taskEntry(taskId);
        entry.verdict = data['verdict'] ?? null;
        entry.answer = typeof data['answer'] === 'string' ? data['answer'] : null;
        if (isJsonObject(data['verdict']) && typeof data['verdict']['passed'] === 'boolean') entry.passed = data['verdict']['passed'];
        break;
      }
      case 'task-finished':
        if (isJsonObject(data['point'])) report.curve.push(data['point']);
        break;
      case 'proposal-committed':
      case 'proposal-rejected':
        report.gates.push({
          taskId,
          decision: event.type === 'proposal-committed' ? 'committed' : 'rejected',
          proposal: isJsonObject(data['proposal']) ? data['proposal'] : null,
          version: typeof data['version'] === 'number' ? data['version'] : null,
          reason: typeof data['reason'] === 'string' ? data['reason'] : null,
          figures: isJsonObject(data['figures']) ? (data['figures'] as JsonObject) : null,
          problems: Array.isArray(data['problems']) ? data['problems'].map(String) : [],
        });
        break;
      default:
        break;
    }
  }
  const until = run.status === 'running' ? Number.POSITIVE_INFINITY : run.updatedAt + 1000;
  for (const entry of tasks.values()) {
    const trajectories = await store.listTrajectories({ taskId: entry.taskId });
    entry.trajectoryIds = trajectories.filter((trajectory) => trajectory.createdAt >= run.createdAt && trajectory.createdAt <= until).map((trajectory) => trajectory.id);
  }
  report.tasks = [...tasks.values()];
  return report;
}

async function allEvents(store: Store, runId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await store.listEvents(runId, { afterSequence: events.at(-1)?.sequence ?? 0, limit: 2000 });
    events.push(...page);
    if (page.length < 2000) return events;
  }
}
