import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../core/json.ts';
import { runProcess as defaultRunProcess, type ProcessResult, type RunProcessOptions } from '../../sandbox/run-process.ts';
import type { EvaluationFailureKind, EvaluationResult, Evaluator, Problem } from '../types.ts';
import { createEvaluationWorkspace } from './evaluation-workspace.ts';
import { parseEvaluatorOutput } from './parse-evaluator-output.ts';
import { truncateMiddle } from './truncate-text.ts';

/**
 * The sandboxed evaluator of a problem. Each call copies the problem directory (minus the initial
 * program) into a fresh temporary directory, writes the candidate's files there, and runs
 * `<command...> <candidate-entry-path> <stage args...>` in its own killable process group: first
 * each cascade stage, then the main evaluation (no extra args). Whatever the candidate does, the
 * result is an EvaluationResult; only an abort through `signal` rejects.
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

const outOfMemoryPattern = /\bMemoryError\b|std::bad_alloc|JavaScript heap out of memory|Cannot allocate memory/;

type StageOutcome =
  | { ok: true; score: number; metrics: JsonObject; artifacts: JsonObject; durationMs: number }
  | { ok: false; kind: EvaluationFailureKind; message: string; artifacts: JsonObject; durationMs: number };

export function createEvaluator(problem: Problem, options: EvaluatorOptions = {}): Evaluator {
  const run = options.runProcess ?? defaultRunProcess;
  const artifactChars = options.artifactChars ?? 4000;
  const config = problem.evaluator;
  const sign = problem.objective === 'minimize' ? -1 : 1;

  const baseCommand = (workspace: string): string[] => {
    if (config.kind === 'module') return [process.execPath, moduleRunnerPath(), join(workspace, config.modulePath ?? '')];
    return config.command.map((part) => part.replaceAll('${node}', process.execPath));
  };

  const runStage = async (workspace: string, args: string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<StageOutcome> => {
    const command = [...baseCommand(workspace), join(workspace, problem.entryFile), ...args];
    const result = await run({
      command,
      cwd: workspace,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...options.env },
      timeoutMs,
      memoryLimitMb: config.memoryLimitMb,
      maxOutputBytes: config.maxOutputBytes,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.aborted) throw signal?.reason ?? new Error('evaluation aborted');
    return interpret(result, timeoutMs);
  };

  const interpret = (result: ProcessResult, timeoutMs: number): StageOutcome => {
    const durationMs = result.durationMs;
    const streams: JsonObject = {};
    if (result.stderr.trim() !== '') streams.stderr = truncateMiddle(result.stderr, artifactChars);
    const failure = (kind: EvaluationFailureKind, message: string, extra: JsonObject = {}): StageOutcome => {
      const stdoutTail = result.stdout.trim() === '' ? {} : { stdout_tail: truncateMiddle(result.stdout, Math.floor(artifactChars / 2)) };
      return { ok: false, kind, message, artifacts: { failure_reason: message, ...streams, ...stdoutTail, ...extra }, durationMs };
    };
    if (result.spawnError !== undefined) return failure('crash', `the evaluator could not be started: ${result.spawnError}`);
    if (result.timedOut) return failure('timeout', `the evaluation ran past its ${Math.round(timeoutMs / 100) / 10} s time limit and was killed`);
    if (result.memoryExceeded) {
      return failure('memory', `the evaluation used more than its ${config.memoryLimitMb} MB memory limit and was killed`, {
        peak_memory_mb: result.peakMemoryMb,
      });
    }
    if (result.truncated) {
      return failure(
        'output-too-large',
        `the evaluation wrote ${result.stdoutBytes} bytes to stdout and ${result.stderrBytes} to stderr, over the ${config.maxOutputBytes}-byte limit`,
      );
    }
    if (result.signal !== null) return failure('crash', `the evaluator was killed by signal ${result.signal}`);
    // The sandbox's /bin/sh wrapper reports an unknown command as exit 127 rather than a spawn error.
    if (result.exitCode === 127 && /not found|No such file/i.test(result.stderr)) {
      return failure('crash', `the evaluator could not be started: ${result.stderr.trim().split('\n').pop() ?? ''}`);
    }
    if (result.exitCode !== 0) {
      // Under the address-space cap an allocation fails inside the child instead of being killed.
      if (outOfMemoryPattern.test(result.stderr)) {
        return failure('memory', `the evaluation ran out of memory (limit ${config.memoryLimitMb} MB) and exited with code ${result.exitCode}`);
      }
      return failure('exit-code', `the evaluator exited with code ${result.exitCode}`);
    }
    const parsed = parseEvaluatorOutput(result.stdout);
    if (!parsed.ok) return failure(parsed.kind, parsed.message, parsed.line === '' ? {} : { offending_line: parsed.line });
    const artifacts: JsonObject = { ...parsed.artifacts };
    if (streams.stderr !== undefined && artifacts.stderr === undefined) artifacts.stderr = streams.stderr;
    if (!Number.isFinite(parsed.score)) return failure('non-finite-score', `combined_score is ${parsed.score}`);
    return { ok: true, score: parsed.score, metrics: parsed.metrics, artifacts, durationMs };
  };

  return {
    async evaluate(files, evaluateOptions) {
      const signal = evaluateOptions.signal;
      if (signal?.aborted === true) throw signal.reason ?? new Error('evaluation aborted');
      const workspace = await createEvaluationWorkspace({
        problemDirectory: problem.directory,
        programPaths: Object.keys(problem.files),
        files,
        ...(options.tempRoot === undefined ? {} : { tempRoot: options.tempRoot }),
      });
      let durationMs = 0;
      try {
        const stages = [...config.cascade.map((stage) => ({ ...stage, final: false })), { args: [], threshold: 0, timeoutMs: config.timeoutMs, final: true }];
        for (const [index, stage] of stages.entries()) {
          const outcome = await runStage(workspace.directory, stage.args, stage.timeoutMs ?? config.timeoutMs, signal);
          durationMs += outcome.durationMs;
          const stageNumber = index + 1;
          if (!outcome.ok) {
            const where = stages.length > 1 ? ` (stage ${stageNumber} of ${stages.length})` : '';
            return failed(outcome.kind, `${outcome.message}${where}`, {}, outcome.artifacts, stageNumber, durationMs);
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
): EvaluationResult {
  return { ok: false, score: null, metrics, artifacts: { failure_reason: message, ...artifacts }, failure: { kind, message }, stages, durationMs };
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
