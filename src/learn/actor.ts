import type { AgentLimits } from '../agent/types.ts';
import { runAgent } from '../agent/run-agent.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { LibraryKnowledge } from './library-knowledge.ts';
import type { Task } from './task-stream.ts';
import { renderTranscript } from './transcript.ts';
import { definedOnly, mapDefined } from '../core/defined-only.ts';

/**
 * How the loop gets an attempt at a task. The default runs the agent runtime with the library's
 * knowledge; tests and other harnesses may pass any function of the same shape.
 */
export interface TaskAttemptOutcome {
  answer: string | null;
  trajectoryId: string | null;
  transcript: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Names of the tools the agent called, in order (for counting uses of learned tools). */
  toolsCalled: string[];
  /** Why the agent run failed, as `code: message`; absent when it answered or stopped at a limit. */
  error?: string;
  /** The failure's code alone (`budget-exceeded` for a budget stop). */
  errorCode?: string;
}

export type Actor = (task: Task, knowledge: LibraryKnowledge, purpose: 'learn' | 'gate' | 'probe' | 'calibrate') => Promise<TaskAttemptOutcome>;

export interface AgentActorOptions {
  model: LanguageModelClient;
  store?: Store;
  limits?: AgentLimits;
  meter?: UsageMeter;
  workspace?: string;
}

export function createAgentActor(options: AgentActorOptions): Actor {
  return async (task, knowledge, purpose) => {
    const run = runAgent({
      task: task.prompt,
      model: options.model,
      knowledge,
      taskId: task.id,
      // The task's tags go with the run, so the curriculum can group failures by kind (curriculum-gaps.ts).
      metadata: { purpose, tags: [...task.tags] },
      ...definedOnly({ store: options.store, limits: options.limits, meter: options.meter, workspace: options.workspace }),
    });
    const result = await run.result;
    const trajectory = options.store === undefined ? undefined : await options.store.getTrajectory(result.trajectoryId);
    return {
      answer: result.answer,
      trajectoryId: trajectory === undefined ? null : result.trajectoryId,
      transcript: trajectory === undefined ? `final answer: ${result.answer ?? '(none)'}` : renderTranscript(trajectory.steps),
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.usage.costUsd,
      toolsCalled: (trajectory?.steps ?? []).filter((step) => step.type === 'tool-call').map((step) => String(step.data['name'])),
      ...definedOnly({ error: mapDefined(result.error, ({ code, message }) => `${code}: ${message}`), errorCode: result.error?.code }),
    };
  };
}
