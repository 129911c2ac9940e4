import type { JsonObject } from '../core/json.ts';
import type { Random } from '../core/random.ts';
import type { LanguageModelClient, ModelUsage, UsageMeter } from '../model/types.ts';
import type { FailureEvidence } from '../store/types.ts';

/**
 * Contracts inside the evolve module: the problem, what an operator receives and returns, and what
 * an evaluation yields. The engine (database, selection, scheduling) and the operators/evaluators
 * meet only here.
 */
export const operatorSpecificationVersion = 'v1';

/** One source file of a program, with the EVOLVE-BLOCK regions located. */
export interface ProgramFile {
  /** Path relative to the problem directory. */
  path: string;
  content: string;
}

/** The slice of a program an operator sees: its files, score and feedback; never the database. */
export interface ProgramSnapshot {
  id: string;
  files: Record<string, string>;
  score: number | null;
  metrics: JsonObject;
  /** Evaluator artifacts (stderr, tracebacks, feedback), already truncated to the prompt budget. */
  artifacts: JsonObject;
  failure: { kind: string; message: string } | null;
  operator: string;
  generation: number;
}

export interface FeatureDimension {
  /** `code-length`, `diversity`, or the name of an evaluator metric. */
  name: string;
  bins: number;
  /** Fixed range; when absent the range adapts to the values seen. */
  min?: number;
  max?: number;
}

export interface CascadeStage {
  /** Extra arguments passed to the evaluator command for this stage (e.g. `--stage 1`). */
  args: string[];
  /** The candidate goes on to the next stage only if this stage's combined_score reaches it. */
  threshold: number;
  /** CPU-time limit of this stage; the evaluator's when absent. */
  timeoutMs?: number;
  /** Wall-clock limit of this stage; derived from its CPU-time limit when absent (defaultWallTimeoutMs). */
  wallTimeoutMs?: number;
}

/** A loaded and validated problem directory. */
export interface Problem {
  directory: string;
  name: string;
  /** Initial program: every file, by relative path. At least one carries EVOLVE-BLOCK markers. */
  files: Record<string, string>;
  /** Files that contain EVOLVE-BLOCKs (the only files operators may change). */
  evolvableFiles: string[];
  /** Main file, passed to the evaluator as the candidate path. */
  entryFile: string;
  evaluator: EvaluatorConfig;
  objective: 'maximize' | 'minimize';
  features: FeatureDimension[];
  /** Prompt template overrides by template name. */
  templates: Record<string, string>;
  /** Free-text description of the task, shown to the model. */
  description: string;
  /** Raw engine settings from lamarck.json (islands, population, operators...), validated by the engine. */
  settings: JsonObject;
  /**
   * The `agent` section of an agent problem (evaluator kind `agent`), unread: the learn module,
   * which owns the agent, validates it and builds the evaluator (`src/learn/agent-problem/`).
   */
  agent?: JsonObject | undefined;
}

export interface EvaluatorConfig {
  /**
   * `kind: 'command'`: argv run as `<command...> <candidate-path>`; `kind: 'module'`: a TS/JS module
   * exporting evaluate(); `kind: 'agent'`: the agent itself, run on the problem's tasks, in this
   * process (the caller hands evolve its evaluator; the sandboxed one refuses this kind).
   */
  kind: 'command' | 'module' | 'agent';
  command: string[];
  modulePath?: string;
  /**
   * CPU time one evaluation may use, all its processes together (`timeoutSeconds`). CPU time does
   * not grow when a busy machine starves the evaluation, so a slow machine does not fail a program.
   */
  timeoutMs: number;
  /** Wall-clock limit (`wallTimeoutSeconds`), for what uses no CPU (a sleep, a blocked read); defaultWallTimeoutMs when absent. */
  wallTimeoutMs?: number;
  memoryLimitMb: number;
  maxOutputBytes: number;
  cascade: CascadeStage[];
}

/**
 * The wall clock an evaluation gets when only its CPU time is given: three times the CPU time,
 * and at least 30 s more. Generous on purpose: the wall clock is there for evaluations that wait
 * without computing, and on a busy machine a computing one gets only part of a core.
 */
export function defaultWallTimeoutMs(cpuTimeoutMs: number): number {
  return Math.max(3 * cpuTimeoutMs, cpuTimeoutMs + 30_000);
}

export type EvaluationFailureKind =
  | 'timeout'
  | 'memory'
  | 'crash'
  | 'exit-code'
  | 'output-too-large'
  | 'invalid-output'
  | 'non-finite-score'
  | 'cascade-rejected'
  | 'apply-failed'
  | 'novelty-rejected'
  | 'model-error'
  | 'budget';

export interface EvaluationResult {
  ok: boolean;
  /** combined_score (higher is better after the objective is applied); null when not ok. */
  score: number | null;
  metrics: JsonObject;
  artifacts: JsonObject;
  failure: { kind: EvaluationFailureKind; message: string; evidence?: FailureEvidence } | null;
  /** Stages run (1 without a cascade). */
  stages: number;
  durationMs: number;
}

export interface Evaluator {
  /** Resolves with a result whatever the candidate does; rejects only when `signal` aborts. */
  evaluate(files: Record<string, string>, options: EvaluateOptions): Promise<EvaluationResult>;
}

export interface EvaluateOptions {
  signal?: AbortSignal;
  /** The run and the candidate (the program id it will be stored under): what an evaluator that hands work to others (the queue evaluator) keys its jobs by. */
  runId?: string;
  candidateId?: string;
}

/** Everything an operator may use to make one child. */
export interface OperatorContext {
  problem: Problem;
  parent: ProgramSnapshot;
  /** A second parent, for crossover. */
  otherParent?: ProgramSnapshot;
  inspirations: ProgramSnapshot[];
  /** Distilled lessons from what worked and failed so far in this run. */
  insights: string[];
  /** Why the previous attempt from this parent failed to apply (fed back into the next prompt). */
  previousFailure?: string;
  /**
   * The cases the parent's evaluation failed, as the evaluator reported them under one of
   * `settings.reflection.artifacts` (named in `artifact`), each rendered as text and bounded. Given
   * to an operator that declares `requires.feedback`, which is chosen only for such a parent.
   */
  failingCases?: FailingCases;
  /** Present when an LLM operator runs; model-free operators ignore it. */
  model?: LanguageModelClient;
  meter?: UsageMeter;
  random: Random;
  signal?: AbortSignal;
}

/** A parent's failing cases, as a reflective operator reads them (operators/reflective-cases.ts). */
export interface FailingCases {
  /** The artifact they were read from (left out of the prompt's other evaluator feedback). */
  artifact: string;
  cases: string[];
}

export interface CandidateProposal {
  /** The child's full files (unchanged files included). */
  files: Record<string, string>;
  /** Unified-style description of the change, for lineage and prompts. */
  diff: string;
  operator: string;
  model: string | null;
  prompt: string | null;
  reply: string | null;
  usage: ModelUsage;
}

export interface Operator {
  readonly specificationVersion: typeof operatorSpecificationVersion;
  readonly name: string;
  /** Whether the operator needs a model; model-free ones run when none is configured. */
  readonly needsModel: boolean;
  /**
   * What the operator needs to run, declared so that the engine chooses by capability, never by
   * name: `parents: 2` (crossover) is chosen only when the parent's island has a second, different
   * parent, which it receives as `otherParent`. `feedback: true` (reflective mutation) is chosen
   * only for a parent whose evaluation reported failing cases, which it receives as `failingCases`.
   * Default: one parent, no feedback needed.
   */
  readonly requires?: { readonly parents?: 1 | 2; readonly feedback?: boolean };
  /**
   * Throws ModelOutputError (reply unusable, e.g. a SEARCH block that does not match) or LamarckError.
   * LLM operators throw ProposalRejectedError (operators/proposal-error.ts), a ModelOutputError that
   * also carries the prompt, reply, model and usage; an operator that cannot work on this parent
   * throws a LamarckError with code `operator-not-applicable`.
   */
  propose(context: OperatorContext): Promise<CandidateProposal>;
  /**
   * Told the outcome of each of its proposals, so stateful operators (the numeric tuner's
   * CMA-ES distribution, a bandit) can learn. Must be cheap and must not throw.
   */
  observe?(outcome: { parent: ProgramSnapshot; proposal: CandidateProposal; result: EvaluationResult }): void;
  /** State to checkpoint for resume, and to restore it. */
  saveState?(): JsonObject;
  restoreState?(state: JsonObject): void;
}
