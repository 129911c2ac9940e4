import type { Clock } from '../core/clock.ts';
import { createId } from '../core/ids.ts';
import type { Redactor } from './redact.ts';
import { loadRunState, runStateVersion, type RunState } from './run-state.ts';
import { TrajectoryRecorder } from './trajectory-recorder.ts';
import type { RunAgentOptions } from './run-agent-options.ts';
import type { AgentCapabilities, AgentEvent, AgentLimits } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Opening a run: a fresh state or the saved one to resume, the run record in the store (created,
 * or set back to running), and the trajectory recorder positioned after the steps already stored.
 */
export interface StartedRun {
  state: RunState;
  recorder: TrajectoryRecorder;
  resumed: boolean;
}

export async function startRun(context: {
  options: RunAgentOptions;
  capabilities: AgentCapabilities;
  limits: AgentLimits;
  redactor: Redactor;
  clock: Clock;
  emit: (event: AgentEvent) => void;
}): Promise<StartedRun> {
  const { options, capabilities, limits, redactor, clock } = context;
  const store = options.store;
  const resumed = options.resume !== undefined;
  const state: RunState = options.resume !== undefined ? await loadRunState(options.resume, store) : freshState(options);
  state.status = 'running';

  if (store !== undefined) {
    const existing = await store.getRun(state.runId);
    if (existing === undefined) {
      await store.createRun({
        id: state.runId,
        kind: 'agent',
        name: redactor.text(state.task.slice(0, 120)),
        config: redactor.json({
          model: options.model.spec,
          limits: { ...limits },
          workspace: options.workspace ?? null,
          networkHosts: [...capabilities.networkHosts],
          plan: options.plan === true,
          ...definedOnly({ metadata: options.metadata }),
        }),
      });
    } else {
      await store.updateRun(state.runId, { status: 'running' });
    }
  }
  // After a crash, steps may have been stored after the last saved state; continue after them.
  const earlier = resumed && store !== undefined ? await store.getTrajectory(state.trajectoryId) : undefined;
  const recorder = new TrajectoryRecorder(
    store,
    redactor,
    clock,
    { id: state.trajectoryId, runId: store === undefined ? null : state.runId, taskId: state.taskId, task: state.task, model: options.model.spec },
    Math.max(state.trajectoryStep, earlier?.steps.length ?? 0),
    earlier?.createdAt,
  );
  await recorder.start();
  context.emit({ type: 'run-started', runId: state.runId, trajectoryId: state.trajectoryId, task: state.task, model: options.model.spec, resumed });
  if (resumed) recorder.step('resumed', { fromStep: state.step, model: options.model.spec });
  return { state, recorder, resumed };
}

function freshState(options: RunAgentOptions): RunState {
  return {
    version: runStateVersion,
    runId: options.runId ?? createId('run'),
    trajectoryId: createId('trj'),
    task: options.task,
    taskId: options.taskId ?? null,
    model: options.model.spec,
    plan: null,
    messages: [],
    step: 0,
    trajectoryStep: 0,
    usage: { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
    elapsedMs: 0,
    references: [],
    activatedSkills: [],
    discoveredTools: [],
    status: 'running',
    answer: null,
    savedAt: 0,
  };
}
