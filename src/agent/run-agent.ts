import { BudgetExceededError, ConfigError, toLamarckError } from '../core/errors.ts';
import { EventChannel } from '../core/event-channel.ts';
import { pendingRunId } from '../core/run-handle.ts';
import { systemClock } from '../core/clock.ts';
import type { TrajectoryStatus } from '../store/types.ts';
import { warmUpQuickJs } from '../sandbox/quickjs-sandbox.ts';
import { callModel } from './call-model.ts';
import { estimateTokens } from './context-window.ts';
import { executeToolCalls } from './execute-tools.ts';
import type { Guardrail, Lesson, SkillSummary } from './knowledge.ts';
import { writePlan } from './plan-step.ts';
import { compactIfNeeded, estimateToolTokens, memoizeSystemPrompt, retrievalQuery, toDefinition } from './prepare-step.ts';
import { buildTaskMessage } from './prompt.ts';
import { createRedactor } from './redact.ts';
import { ResultReferences } from './result-references.ts';
import { createStateRedactor, saveRunState } from './run-state.ts';
import type { McpConnection } from './mcp-tools.ts';
import { setUpTools } from './setup-tools.ts';
import type { ToolRegistry } from './tool-registry.ts';
import { startRun } from './start-run.ts';
import { stopConditionFor } from './stop-conditions.ts';
import { createPredicateEvaluator } from './tools/sandbox-tools.ts';
import type { AgentCapabilities, AgentEvent, AgentLimits, AgentResult, AgentRun, AgentRunStatus, AgentStopReason } from './types.ts';
import type { RunAgentOptions } from './run-agent-options.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The agent loop, as a thin orchestrator: set up (state, tools, knowledge), an optional plan, then
 * act until a stop condition fires, saving state after every step. The parts live in their own
 * modules: call-model, execute-tools, context-window, stop-conditions, run-state, trajectory-recorder.
 */
export const defaultAgentLimits: Required<Omit<AgentLimits, 'maxTimeMs' | 'maxUsd' | 'maxTokens'>> = {
  maxSteps: 20,
  contextTokens: 24_000,
  resultReferenceChars: 4_000,
  toolsPerStep: 12,
  toolTimeoutMs: 30_000,
  sandboxTimeoutMs: 5_000,
  sandboxMemoryBytes: 64 * 1024 * 1024,
};

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

async function execute(
  options: RunAgentOptions,
  capabilities: AgentCapabilities,
  emit: (event: AgentEvent) => void,
  runSignal: AbortSignal,
): Promise<AgentResult> {
  const clock = options.clock ?? systemClock;
  const limits = { ...defaultAgentLimits, ...definedOnly(options.limits ?? {}) };
  const startedAt = clock.now();
  const store = options.store;
  const saveTarget = options.saveState ?? (store === undefined ? {} : { store: true });
  const redactor = createRedactor({ env: options.env ?? {}, ...(options.secretEnvNames === undefined ? {} : { secretEnvNames: options.secretEnvNames }) });
  const { state, recorder } = await startRun({ options, capabilities, limits, redactor, clock, emit });
  // A wall-time limit also cuts a model or tool call that would run past it.
  const remainingMs = limits.maxTimeMs === undefined ? undefined : limits.maxTimeMs - state.elapsedMs;
  const signal = remainingMs === undefined ? runSignal : AbortSignal.any([runSignal, AbortSignal.timeout(Math.max(1, remainingMs))]);

  const knowledge = options.knowledge;
  const references = new ResultReferences(state.references);
  const sandbox = {
    timeoutMs: Math.min(limits.sandboxTimeoutMs, limits.toolTimeoutMs),
    memoryLimitBytes: limits.sandboxMemoryBytes,
    capabilities,
    ...(options.toolRunner === undefined ? {} : { runner: options.toolRunner }),
  };
  // QuickJS compiles while the first model call is in flight, instead of inside the first tool call.
  if (options.toolRunner === undefined) void warmUpQuickJs(sandbox.memoryLimitBytes).catch(() => undefined);

  const usage = state.usage;
  const modelContext = { model: options.model, recorder, emit, usage };
  const stop = stopConditionFor(limits, options.stopWhen ?? []);
  const elapsed = (): number => state.elapsedMs + (clock.now() - startedAt);
  const stoppedBy = (): AgentStopReason => (runSignal.aborted ? 'aborted' : 'time-limit');
  const redactState = createStateRedactor(redactor);
  // Tools are set up inside the try below, so a failure there (a broken library, a store error)
  // ends the run as failed, recorded, instead of leaving it marked running.
  let registry: ToolRegistry | undefined;
  let connections: McpConnection[] = [];
  const persist = async (): Promise<void> => {
    if (saveTarget.store !== true && saveTarget.file === undefined) return;
    state.references = references.entries();
    if (registry !== undefined) state.discoveredTools = registry.discoveredNames();
    state.trajectoryStep = recorder.stepCount;
    state.savedAt = clock.now();
    const elapsedBefore = state.elapsedMs;
    state.elapsedMs = elapsed();
    await saveRunState(redactState(state), saveTarget, store);
    state.elapsedMs = elapsedBefore;
    emit({ type: 'state-saved', step: state.step });
  };

  let stopReason: AgentStopReason | undefined;
  let failure: { code: string; message: string } | undefined;
  try {
    const skills: SkillSummary[] = knowledge === undefined ? [] : await knowledge.skills();
    const lessons: Lesson[] = knowledge === undefined ? [] : await knowledge.lessons(state.task);
    const guardrails: Guardrail[] = knowledge === undefined ? [] : await knowledge.guardrails();
    for (const lesson of lessons) await knowledge?.recordUse?.({ kind: 'lesson', id: lesson.id });
    const setup = await setUpTools({
      workspace: options.workspace,
      builtinTools: options.builtinTools ?? true,
      customTools: options.tools ?? [],
      toolDirectories: options.toolDirectories ?? [],
      mcpServers: options.mcpServers ?? [],
      knowledge,
      hasSkills: skills.length > 0,
      capabilities,
      references,
      sandbox,
      recorder,
      emit,
      onSkillActivated: (name) => {
        if (!state.activatedSkills.includes(name)) state.activatedSkills.push(name);
        recorder.step('skill-activated', { name });
        emit({ type: 'skill-activated', name });
      },
    });
    connections = setup.connections;
    registry = setup.registry;
    registry.markDiscovered(state.discoveredTools);

    if (state.messages.length === 0) state.messages.push({ role: 'user', content: buildTaskMessage(state.task) });
    if (options.plan === true && state.plan === null) {
      state.plan = await writePlan(modelContext, state.task, {
        signal,
        lessons: lessons.map((lesson) => lesson.text),
        ...(options.meter === undefined ? {} : { meter: options.meter }),
      });
      await persist();
    }
    const systemFor = memoizeSystemPrompt({ skills, lessons, plan: state.plan, workspace: options.workspace !== undefined, ...(options.instructions === undefined ? {} : { instructions: options.instructions }) });
    const environment = {
      registry,
      references,
      guardrails,
      knowledge,
      evaluatePredicate: guardrails.some((guardrail) => guardrail.predicate !== undefined) ? createPredicateEvaluator(sandbox) : undefined,
      recorder,
      emit,
      signal,
      toolTimeoutMs: limits.toolTimeoutMs,
      referenceChars: limits.resultReferenceChars,
    };

    let lastSystem: string | undefined;
    for (;;) {
      stopReason = stop({ step: state.step, elapsedMs: elapsed(), answer: state.answer, usage }) ?? (signal.aborted ? stoppedBy() : undefined);
      if (stopReason !== undefined) {
        if (stopReason !== 'answered') recorder.step('run-stopped', { reason: stopReason, step: state.step });
        break;
      }
      const offered = registry.select(retrievalQuery(state.task, state.messages), limits.toolsPerStep);
      const system = systemFor(registry.size - offered.length > 0);
      if (system !== lastSystem) {
        recorder.step('prompt', { system });
        lastSystem = system;
      }
      const definitions = offered.map(toDefinition);
      // The system prompt and the tool definitions take their share of the budget first.
      compactIfNeeded(state, limits.contextTokens - estimateTokens(system) - estimateToolTokens(definitions), recorder, emit);
      const reply = await callModel(
        modelContext,
        {
          system,
          messages: state.messages,
          tools: definitions,
          signal,
          ...(options.meter === undefined ? {} : { meter: options.meter }),
        },
        state.step + 1,
        'act',
      );
      state.step += 1;
      state.messages.push({ role: 'assistant', content: reply.text, ...(reply.toolCalls.length > 0 ? { toolCalls: reply.toolCalls } : {}) });
      if (reply.toolCalls.length === 0) {
        // A reply without tool calls is the model answering in plain text; take it as the answer,
        // unless it was cut off at the output limit (it may be half an answer or half a tool call).
        if (reply.finishReason === 'length') {
          const nudge = 'Your reply was cut off at the output limit. Reply more briefly: call a tool, or call final_answer with a short answer.';
          state.messages.push({ role: 'user', content: nudge });
          recorder.step('nudge', { step: state.step, text: nudge });
        } else if (reply.text.trim() !== '') {
          state.answer = reply.text.trim();
          recorder.step('answer', { step: state.step, answer: state.answer });
        } else {
          const nudge = 'Your reply was empty. Call a tool, or call final_answer with the answer.';
          state.messages.push({ role: 'user', content: nudge });
          recorder.step('nudge', { step: state.step, text: nudge });
        }
      } else {
        const round = await executeToolCalls(reply.toolCalls, state.step, environment);
        state.messages.push(...round.messages);
        if (round.answer !== null) state.answer = round.answer;
      }
      await persist();
    }
  } catch (error) {
    const lamarck = toLamarckError(error);
    if (error instanceof BudgetExceededError) stopReason = 'budget';
    else if (signal.aborted) stopReason = stoppedBy();
    else stopReason = 'error';
    failure = { code: lamarck.code, message: lamarck.message };
    recorder.step(stopReason === 'error' ? 'run-failed' : 'run-stopped', { reason: stopReason, code: lamarck.code, message: lamarck.message });
  }

  const status: AgentRunStatus = stopReason === 'answered' ? 'answered' : stopReason === 'error' ? 'failed' : 'stopped';
  state.status = status;
  await persist().catch(() => undefined);
  await Promise.all(connections.map((connection) => connection.close()));
  const trajectoryStatus: TrajectoryStatus = status === 'answered' ? 'finished' : status;
  await recorder.finish(trajectoryStatus, state.answer, usage);
  await recorder.flush();
  const result: AgentResult = {
    runId: state.runId,
    trajectoryId: state.trajectoryId,
    status,
    stopReason: stopReason ?? 'error',
    answer: state.answer,
    steps: state.step,
    usage: { ...usage },
    ...(failure === undefined ? {} : { error: failure }),
  };
  if (store !== undefined) {
    await store.updateRun(state.runId, {
      status: trajectoryStatus,
      summary: redactor.json({
        stopReason: result.stopReason,
        answer: result.answer,
        steps: result.steps,
        ...result.usage,
        trajectoryId: result.trajectoryId,
        // Why a run failed belongs with the run, where `lamarck runs` and the dashboards look.
        ...(failure === undefined ? {} : { error: failure }),
      }),
    });
  }
  emit({ type: 'run-finished', result });
  return result;
}
