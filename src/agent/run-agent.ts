import { ConfigError } from '../core/errors.ts';
import { EventChannel } from '../core/event-channel.ts';
import { pendingRunId } from '../core/run-handle.ts';
import { actUntilStopped } from './act-loop.ts';
import { equipTools } from './equip-tools.ts';
import { endingFromError, finishRun, type RunEnding } from './finish-run.ts';
import { loadKnowledge } from './load-knowledge.ts';
import { planIfAsked } from './plan-step.ts';
import { buildTaskMessage } from './prompt.ts';
import { openRunContext } from './run-context.ts';
import type { RunAgentOptions } from './run-agent-options.ts';
import type { AgentCapabilities, AgentEvent, AgentResult, AgentRun } from './types.ts';

export { defaultAgentLimits } from './run-context.ts';

/**
 * The agent loop, as its diagram: open the run → load knowledge → equip tools → plan (optional) →
 * act until a stop condition fires → finish. Each phase is a file: run-context, load-knowledge,
 * equip-tools, plan-step, act-loop (with call-model, execute-tools, prepare-step), finish-run.
 */
export function runAgent(options: RunAgentOptions): AgentRun {
  if (options.task.trim() === '' && options.resume === undefined) throw new ConfigError('task', 'must not be empty');
  const channel = new EventChannel<AgentEvent>();
  const runId = pendingRunId();
  const emit = (event: AgentEvent): void => {
    if (event.type === 'run-started') runId.resolve(event.runId);
    options.onEvent?.(event);
    channel.publish(event);
  };
  const controller = new AbortController();
  if (options.signal !== undefined) {
    if (options.signal.aborted) controller.abort(options.signal.reason);
    else options.signal.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  }
  // Frozen so that nothing later (a tool result, a confused model) can widen what the run may do.
  const capabilities: AgentCapabilities = Object.freeze({
    networkHosts: Object.freeze([...(options.capabilities?.networkHosts ?? [])]),
    writeFiles: options.capabilities?.writeFiles ?? true,
  });
  // Starting on a later tick lets the caller subscribe to `events` before the first one.
  const result = Promise.resolve()
    .then(() => execute(options, capabilities, emit, controller.signal))
    .finally(() => channel.close());
  result.then((ended) => runId.resolve(ended.runId), runId.reject);
  return {
    runId: runId.promise,
    events: channel,
    result,
    capabilities,
    stop: (reason) => controller.abort(new Error(reason ?? 'stopped on request')),
  };
}

async function execute(options: RunAgentOptions, capabilities: AgentCapabilities, emit: (event: AgentEvent) => void, runSignal: AbortSignal): Promise<AgentResult> {
  const run = await openRunContext(options, capabilities, emit, runSignal);
  // Every phase after the opening runs inside the try, so a failure anywhere (a broken library, a
  // store error, a model that gives up) ends the run as failed or stopped, recorded, never left running.
  let ending: RunEnding;
  try {
    const knowledge = await loadKnowledge(options.knowledge, run.state.task);
    const registry = await equipTools(run, knowledge);
    if (run.state.messages.length === 0) run.state.messages.push({ role: 'user', content: buildTaskMessage(run.state.task) });
    await planIfAsked(run, knowledge);
    ending = { stopReason: await actUntilStopped(run, knowledge, registry) };
  } catch (error) {
    ending = endingFromError(run, error);
  }
  return finishRun(run, ending);
}
