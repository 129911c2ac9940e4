import type { Library } from '../library/library.ts';
import type { Actor } from './actor.ts';
import type { Escalation } from './cascade-attempt.ts';
import { readModelRoute, taskKindOf } from './model-routes.ts';

/**
 * The actor of the gate's held-out attempts and safety probes under a cascade: the model that
 * acts first on the task's kind, as a learn task of that kind would be acted on (the strong model
 * for a kind routed to it, the cheap one otherwise), so the gate measures a proposal on the agent
 * that will read it. It does not escalate a failed attempt: the strong model would retry every
 * failure in both arms alike, so the scores would tie at the strong model's and hide what the
 * proposal does to the first model, which is what a library change is for.
 */
export function gateActor(library: Library, cheap: Actor, escalation: Escalation | undefined): Actor {
  if (escalation === undefined) return cheap;
  return async (task, knowledge, purpose) => {
    const route = await readModelRoute(library, taskKindOf(task));
    return (route?.route === 'strong' ? escalation.strong : cheap)(task, knowledge, purpose);
  };
}
