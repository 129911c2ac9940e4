import { BudgetExceededError, toLamarckError } from '../core/errors.ts';
import type { TrajectoryStatus } from '../store/types.ts';
import type { AgentRunContext } from './run-context.ts';
import type { AgentResult, AgentRunStatus, AgentStopReason } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The finish phase: the run's status from why it stopped, the last save, the MCP servers closed,
 * the trajectory finished, and the outcome (with why it failed) written to the run record, where
 * `lamarck runs` and the dashboard look.
 */
export interface RunEnding {
  stopReason: AgentStopReason;
  failure?: { code: string; message: string } | undefined;
}

/** A failure in any phase ends the run as stopped (budget, stop, time) or failed, and is recorded. */
export function endingFromError(run: AgentRunContext, error: unknown): RunEnding {
  const lamarck = toLamarckError(error);
  const stopReason: AgentStopReason = error instanceof BudgetExceededError ? 'budget' : run.signal.aborted ? run.stoppedBy() : 'error';
  run.recorder.step(stopReason === 'error' ? 'run-failed' : 'run-stopped', { reason: stopReason, code: lamarck.code, message: lamarck.message });
  return { stopReason, failure: { code: lamarck.code, message: lamarck.message } };
}

export async function finishRun(run: AgentRunContext, ending: RunEnding): Promise<AgentResult> {
  const { state, recorder, store } = run;
  const { stopReason, failure } = ending;
  const status: AgentRunStatus = stopReason === 'answered' ? 'answered' : stopReason === 'error' ? 'failed' : 'stopped';
  state.status = status;
  await run.persist().catch(() => undefined);
  await Promise.all(run.connections.map((connection) => connection.close()));
  const trajectoryStatus: TrajectoryStatus = status === 'answered' ? 'finished' : status;
  await recorder.finish(trajectoryStatus, state.answer, state.usage);
  await recorder.flush();
  const result: AgentResult = {
    runId: state.runId,
    trajectoryId: state.trajectoryId,
    status,
    stopReason,
    answer: state.answer,
    steps: state.step,
    usage: { ...state.usage },
    ...definedOnly({ error: failure }),
  };
  if (store !== undefined) {
    await store.updateRun(state.runId, {
      status: trajectoryStatus,
      summary: run.redactor.json({
        stopReason: result.stopReason,
        answer: result.answer,
        steps: result.steps,
        ...result.usage,
        trajectoryId: result.trajectoryId,
        ...definedOnly({ error: failure }),
      }),
    });
  }
  run.emit({ type: 'run-finished', result });
  return result;
}
