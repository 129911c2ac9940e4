import { systemClock, type Clock } from '../core/clock.ts';
import { definedOnly } from '../core/defined-only.ts';
import type { UsageMeter } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import { warmUpQuickJs } from '../sandbox/quickjs-sandbox.ts';
import type { ModelCallContext } from './call-model.ts';
import type { McpConnection } from './mcp-tools.ts';
import { createRedactor, type Redactor } from './redact.ts';
import { ResultReferences } from './result-references.ts';
import { createStateRedactor, saveRunState, type RunState } from './run-state.ts';
import type { RunAgentOptions } from './run-agent-options.ts';
import { startRun } from './start-run.ts';
import { stopConditionFor, type StopCondition } from './stop-conditions.ts';
import type { ToolRegistry } from './tool-registry.ts';
import type { SandboxToolOptions } from './tools/sandbox-tools.ts';
import type { TrajectoryRecorder } from './trajectory-recorder.ts';
import type { AgentCapabilities, AgentEvent, AgentLimits, AgentStopReason } from './types.ts';

/**
 * The first phase of a run: open it (a fresh state or the saved one, the run record, the
 * recorder), fix its limits and its signal, and gather what every later phase shares.
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

export type ResolvedLimits = typeof defaultAgentLimits & AgentLimits;

export interface AgentRunContext {
  readonly options: RunAgentOptions;
  readonly capabilities: AgentCapabilities;
  readonly limits: ResolvedLimits;
  readonly state: RunState;
  readonly recorder: TrajectoryRecorder;
  readonly redactor: Redactor;
  readonly store: Store | undefined;
  readonly meter: UsageMeter | undefined;
  /** The caller's stop, or the wall-time limit: it also cuts a model or tool call that would run past it. */
  readonly signal: AbortSignal;
  readonly references: ResultReferences;
  readonly sandbox: SandboxToolOptions;
  readonly modelContext: ModelCallContext;
  readonly stopCondition: StopCondition;
  readonly emit: (event: AgentEvent) => void;
  /** Set once the tools are set up, so a save records which tools were discovered. */
  registry: ToolRegistry | undefined;
  connections: McpConnection[];
  /** Run time so far, the time before a resume included. */
  elapsed(): number;
  /** Why the signal fired: the caller stopped the run, or its time ran out. */
  stoppedBy(): AgentStopReason;
  /** Saves the state where the run was asked to (store, file, or nowhere), redacted. */
  persist(): Promise<void>;
}

export async function openRunContext(
  options: RunAgentOptions,
  capabilities: AgentCapabilities,
  emit: (event: AgentEvent) => void,
  runSignal: AbortSignal,
): Promise<AgentRunContext> {
  const clock: Clock = options.clock ?? systemClock;
  const limits: ResolvedLimits = { ...defaultAgentLimits, ...definedOnly(options.limits ?? {}) };
  const startedAt = clock.now();
  const redactor = createRedactor({ env: options.env ?? {}, secretEnvNames: options.secretEnvNames });
  const { state, recorder } = await startRun({ options, capabilities, limits, redactor, clock, emit });
  const remainingMs = limits.maxTimeMs === undefined ? undefined : limits.maxTimeMs - state.elapsedMs;
  const signal = remainingMs === undefined ? runSignal : AbortSignal.any([runSignal, AbortSignal.timeout(Math.max(1, remainingMs))]);
  const sandbox: SandboxToolOptions = {
    timeoutMs: Math.min(limits.sandboxTimeoutMs, limits.toolTimeoutMs),
    memoryLimitBytes: limits.sandboxMemoryBytes,
    capabilities,
    ...definedOnly({ runner: options.toolRunner }),
  };
  // QuickJS compiles while the first model call is in flight, instead of inside the first tool call.
  if (options.toolRunner === undefined) void warmUpQuickJs(sandbox.memoryLimitBytes).catch(() => undefined);
  const saveTarget = options.saveState ?? (options.store === undefined ? {} : { store: true });
  const redactState = createStateRedactor(redactor);
  const references = new ResultReferences(state.references);
  const context: AgentRunContext = {
    options,
    capabilities,
    limits,
    state,
    recorder,
    redactor,
    store: options.store,
    meter: options.meter,
    signal,
    references,
    sandbox,
    modelContext: { model: options.model, recorder, emit, usage: state.usage },
    stopCondition: stopConditionFor(limits, options.stopWhen ?? []),
    emit,
    registry: undefined,
    connections: [],
    elapsed: () => state.elapsedMs + (clock.now() - startedAt),
    stoppedBy: () => (runSignal.aborted ? 'aborted' : 'time-limit'),
    async persist() {
      if (saveTarget.store !== true && saveTarget.file === undefined) return;
      state.references = references.entries();
      if (context.registry !== undefined) state.discoveredTools = context.registry.discoveredNames();
      state.trajectoryStep = recorder.stepCount;
      state.savedAt = clock.now();
      const elapsedBefore = state.elapsedMs;
      state.elapsedMs = context.elapsed();
      await saveRunState(redactState(state), saveTarget, options.store);
      state.elapsedMs = elapsedBefore;
      emit({ type: 'state-saved', step: state.step });
    },
  };
  return context;
}
