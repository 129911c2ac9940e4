import { z } from 'zod';
import type { Library } from '../library/library.ts';
import type { Task } from './task-stream.ts';

/**
 * Which kinds of task need the strong model of a cascade, learned from outcomes. A task's kind is
 * its first tag (`untagged` without one). Each kind's record is a library `prompt` artifact named
 * `model-route-<kind>` whose text is the record as JSON: versioned like every learned item (one
 * version per change, with the run and trajectories that caused it), listed and read like them
 * (`lamarck library prompts show model-route-<kind>`), and rolled back like them, which sends that
 * kind back to the cheap model first. Prompts are never injected into the agent, so a route costs
 * the agent no context.
 */
export interface ModelRoute {
  taskKind: string;
  route: 'cheap-first' | 'strong';
  /** Attempts by the cheap model at tasks of this kind, and how many of them escalated. */
  cheapAttempts: number;
  cheapFailures: number;
}

const routeSchema = z.object({
  taskKind: z.string(),
  route: z.enum(['cheap-first', 'strong']),
  cheapAttempts: z.number().int().min(0),
  cheapFailures: z.number().int().min(0),
});

export const routeNamePrefix = 'model-route-';

export function taskKindOf(task: Pick<Task, 'tags'>): string {
  const tag = task.tags[0];
  const slug = (tag ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug === '' ? 'untagged' : slug;
}

export function routeArtifactName(taskKind: string): string {
  return `${routeNamePrefix}${taskKind}`;
}

/** The route of a kind; undefined when none is recorded, it is retired, or its text is not a route. */
export async function readModelRoute(library: Library, taskKind: string): Promise<ModelRoute | undefined> {
  const entry = await library.get('prompt', routeArtifactName(taskKind));
  if (entry === undefined || entry.status === 'retired') return undefined;
  try {
    const parsed = routeSchema.safeParse(JSON.parse(entry.content.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Counts one cheap attempt at a task of `taskKind`, escalated or not, and commits the kind's new
 * record. The kind goes straight to the strong model once the cheap one has failed at least
 * `routeAfterFailures` times and on at least half of its attempts.
 */
export async function recordCheapAttempt(
  library: Library,
  taskKind: string,
  escalated: boolean,
  routeAfterFailures: number,
  provenance: { runId: string; taskId: string; trajectoryIds: string[] },
): Promise<ModelRoute> {
  return recordCheapOutcomes(library, taskKind, { attempts: 1, failures: escalated ? 1 : 0 }, routeAfterFailures, {
    trajectoryIds: provenance.trajectoryIds,
    evaluation: { origin: 'model-cascade', runId: provenance.runId, taskId: provenance.taskId, escalated },
  });
}

/**
 * Adds cheap attempts and failures to a kind's record and commits its new version (learn adds one
 * attempt per task; evolve adds a run's proposals per operator when the run ends).
 */
export async function recordCheapOutcomes(
  library: Library,
  taskKind: string,
  added: { attempts: number; failures: number },
  routeAfterFailures: number,
  provenance: { trajectoryIds: string[]; evaluation: Record<string, string | number | boolean> },
): Promise<ModelRoute> {
  const before = (await readModelRoute(library, taskKind)) ?? { taskKind, route: 'cheap-first' as const, cheapAttempts: 0, cheapFailures: 0 };
  const cheapAttempts = before.cheapAttempts + added.attempts;
  const cheapFailures = before.cheapFailures + added.failures;
  const needsStrong = cheapFailures >= routeAfterFailures && cheapFailures * 2 >= cheapAttempts;
  const next: ModelRoute = { taskKind, route: needsStrong ? 'strong' : 'cheap-first', cheapAttempts, cheapFailures };
  const content = {
    description: `Model route for tasks of kind ${taskKind}: which model of the cascade acts first.`,
    text: JSON.stringify(next),
  };
  const options = {
    message: `route ${taskKind}: ${next.route} (the cheap model escalated ${cheapFailures} of ${cheapAttempts})`,
    trajectoryIds: provenance.trajectoryIds,
    evaluation: provenance.evaluation,
  };
  const name = routeArtifactName(taskKind);
  const existing = await library.get('prompt', name);
  if (existing === undefined) await library.add('prompt', name, content, options);
  else await library.update('prompt', name, content, options);
  return next;
}
