import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import { resolveInterpreter } from '../../sandbox/resolve-interpreter.ts';
import { runProcess as defaultRunProcess, type ProcessResult, type RunProcessOptions } from '../../sandbox/run-process.ts';
import type { FailureEvidence } from '../../store/types.ts';
import { defaultWallTimeoutMs, type EvaluationFailureKind, type EvaluationResult, type Evaluator, type Problem } from '../types.ts';
import { createEvaluationWorkspace } from './evaluation-workspace.ts';
import { interpretProcessResult, type StageOutcome } from './interpret-result.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * The sandboxed evaluator of a problem. Each call copies the problem directory (minus the initial
 * program) into a fresh temporary directory, writes the candidate's files there, and runs
 * `<command...> <candidate-entry-path> <stage args...>` in its own killable process group: first
 * each cascade stage, then the main evaluation (no extra args). Whatever the candidate does, the
 * result is an EvaluationResult; only an abort through `signal` rejects. A failure carries its
 * evidence (stage, exit code or signal, what stopped it first, the end of stderr).
 *
 * Limits per stage: CPU time (`timeoutSeconds`) and a generous wall clock, memory, output. A
 * Python interpreter named on the PATH is resolved to its real executable once (a version
 * manager's shim would otherwise pay its start-up on every evaluation).
 *
 * Objective: `score` is always "higher is better". For `minimize` problems it is the negated
 * combined_score; the evaluator's own value stays in `metrics.combined_score` either way, and a
 * cascade threshold is compared with the raw value (`>=` to maximise, `<=` to minimise).
 *
 * `${node}` in the command is replaced by the Node running Lamarck, since the child's PATH is the
 * minimal one and need not hold the same Node.
 */
export interface EvaluatorOptions {
  /** Where the per-evaluation directories are made; the system temp directory by default. */
  tempRoot?: string;
  /** Characters of stderr/stdout kept in artifacts (head and tail). Default 4,000. */
  artifactChars?: number;
  /** Extra environment variables for the evaluator (the rest is the sandbox's minimal environment). */
  env?: Record<string, string>;
  /** For tests: a replacement for the sandbox's runProcess. */
  runProcess?: (options: RunProcessOptions) => Promise<ProcessResult>;
}

const evaluatorEnvironment = { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };

export function createEvaluator(problem: Problem, options: EvaluatorOptions = {}): Evaluator {
  if (problem.evaluator.kind === 'agent') {
    throw new ConfigError('agent', 'an agent problem is scored by the agent itself, not a sandboxed evaluator: run it with lamarck evolve, or hand evolve() the agent evaluator (createAgentEvaluator in lamarck/learn)', {
      source: 'lamarck.json',
    });
  }
  const run = options.runProcess ?? defaultRunProcess;
  const artifactChars = options.artifactChars ?? 4000;
  const config = problem.evaluator;
  const sign = problem.objective === 'minimize' ? -1 : 1;
  const environment = { ...evaluatorEnvironment, ...options.env };
  let resolvedCommand: Promise<readonly string[]> | undefined;

  const baseCommand = async (workspace: string): Promise<readonly string[]> => {
    if (config.kind === 'module') return [process.execPath, moduleRunnerPath(), join(workspace, config.modulePath ?? '')];
    resolvedCommand ??= resolveInterpreter(
      config.command.map((part) => part.replaceAll('${node}', process.execPath)),
      { cwd: problem.directory, env: environment },
    );
    return resolvedCommand;
  };

  const runStage = async (
    workspace: string,
    args: string[],
    limits: { cpuTimeoutMs: number; wallTimeoutMs: number },
    signal: AbortSignal | undefined,
  ): Promise<StageOutcome> => {
    const command = [...(await baseCommand(workspace)), join(workspace, problem.entryFile), ...args];
    const result = await run({
      command,
      cwd: workspace,
      env: environment,
      timeoutMs: limits.wallTimeoutMs,
      cpuTimeLimitMs: limits.cpuTimeoutMs,
      memoryLimitMb: config.memoryLimitMb,
      maxOutputBytes: config.maxOutputBytes,
      outputLimitBytes: config.maxOutputBytes,
      ...definedOnly({ signal }),
    });
    if (result.aborted) throw signal?.reason ?? new Error('evaluation aborted');
    return interpretProcessResult(result, { ...limits, memoryLimitMb: config.memoryLimitMb, maxOutputBytes: config.maxOutputBytes }, artifactChars);
  };

  return {
    async evaluate(files, evaluateOptions) {
      const signal = evaluateOptions.signal;
      if (signal?.aborted === true) throw signal.reason ?? new Error('evaluation aborted');
      const workspace = await createEvaluationWorkspace({
        problemDirectory: problem.directory,
        programPaths: Object.keys(problem.files),
        files,
        ...definedOnly({ tempRoot: options.tempRoot }),
      });
      let durationMs = 0;
      try {
        const stages = [
          ...config.cascade.map((stage) => ({ ...stage, final: false })),
          { args: [], threshold: 0, timeoutMs: config.timeoutMs, wallTimeoutMs: config.wallTimeoutMs, final: true },
        ];
        for (const [index, stage] of stages.entries()) {
          const cpuTimeoutMs = stage.timeoutMs ?? config.timeoutMs;
          const wallTimeoutMs = stage.wallTimeoutMs ?? (stage.timeoutMs === undefined ? config.wallTimeoutMs : undefined) ?? defaultWallTimeoutMs(cpuTimeoutMs);
          const outcome = await runStage(workspace.directory, stage.args, { cpuTimeoutMs, wallTimeoutMs }, signal);
          durationMs += outcome.durationMs;
          const stageNumber = index + 1;
          if (!outcome.ok) {
            const where = stages.length > 1 ? ` (stage ${stageNumber} of ${stages.length})` : '';
            const evidence: FailureEvidence = { stage: stageNumber, stages: stages.length, ...outcome.evidence };
            return failed(outcome.kind, `${outcome.message}${where}`, {}, outcome.artifacts, stageNumber, durationMs, evidence);
          }
          const metrics: JsonObject = { ...outcome.metrics, combined_score: outcome.score };
          if (!stage.final) {
            const passes = sign > 0 ? outcome.score >= stage.threshold : outcome.score <= stage.threshold;
            if (!passes) {
              const message = `stage ${stageNumber} scored ${outcome.score}, ${sign > 0 ? 'below' : 'above'} its threshold ${stage.threshold}`;
              return failed('cascade-rejected', message, { ...metrics, cascade_stage: stageNumber }, outcome.artifacts, stageNumber, durationMs);
            }
            continue;
          }
          return {
            ok: true,
            score: sign * outcome.score,
            metrics,
            artifacts: outcome.artifacts,
            failure: null,
            stages: stageNumber,
            durationMs,
          };
        }
        throw new Error('unreachable: the final stage always returns');
      } finally {
        await workspace.dispose();
      }
    },
  };
}

function failed(
  kind: EvaluationFailureKind,
  message: string,
  metrics: JsonObject,
  artifacts: JsonObject,
  stages: number,
  durationMs: number,
  evidence?: FailureEvidence,
): EvaluationResult {
  return {
    ok: false,
    score: null,
    metrics,
    artifacts: { failure_reason: message, ...artifacts },
    failure: { kind, message, ...definedOnly({ evidence }) },
    stages,
    durationMs,
  };
}

/** The module runner next to this file: `.ts` when running from source, `.js` once built. */
function moduleRunnerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const directory = dirname(here);
  for (const name of ['module-runner.js', 'module-runner.ts']) {
    const candidate = resolve(directory, name);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(directory, 'module-runner.ts');
}
