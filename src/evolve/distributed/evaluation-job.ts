import { z } from 'zod';
import type { JsonObject } from '../../core/json.ts';
import type { EvaluationResult, EvaluatorConfig, Problem } from '../types.ts';

/**
 * What one evaluation job carries: everything a worker on another machine needs and nothing it
 * must look up elsewhere except the problem snapshot (by its content hash): the candidate's files,
 * the evaluator command and its limits, and which run and candidate the result is for.
 * Versioned: a worker refuses (dead-letters, with the reason) a format it does not know.
 */
export const evaluationJobFormat = 1;
export const defaultEvaluationQueue = 'evaluate';

export interface EvaluationJobPayload extends JsonObject {
  format: number;
  runId: string;
  candidateId: string;
  files: Record<string, string>;
  problem: {
    name: string;
    snapshot: string;
    programPaths: string[];
    entryFile: string;
    objective: 'maximize' | 'minimize';
    evaluator: EvaluatorConfig & JsonObject;
  };
}

const cascadeStage = z.object({
  args: z.array(z.string()),
  threshold: z.number(),
  timeoutMs: z.number().positive().optional(),
  wallTimeoutMs: z.number().positive().optional(),
});

const payloadSchema = z.object({
  format: z.literal(evaluationJobFormat),
  runId: z.string().min(1),
  candidateId: z.string().min(1),
  files: z.record(z.string(), z.string()),
  problem: z.object({
    name: z.string(),
    snapshot: z.string().regex(/^[0-9a-f]{64}$/),
    programPaths: z.array(z.string()),
    entryFile: z.string().min(1),
    objective: z.enum(['maximize', 'minimize']),
    evaluator: z.object({
      kind: z.enum(['command', 'module']),
      command: z.array(z.string()),
      modulePath: z.string().optional(),
      timeoutMs: z.number().positive(),
      wallTimeoutMs: z.number().positive().optional(),
      memoryLimitMb: z.number().positive(),
      maxOutputBytes: z.number().positive(),
      cascade: z.array(cascadeStage),
    }),
  }),
});

export function buildEvaluationJob(options: { problem: Problem; snapshotHash: string; runId: string; candidateId: string; files: Record<string, string> }): EvaluationJobPayload {
  const { problem } = options;
  return {
    format: evaluationJobFormat,
    runId: options.runId,
    candidateId: options.candidateId,
    files: options.files,
    problem: {
      name: problem.name,
      snapshot: options.snapshotHash,
      programPaths: Object.keys(problem.files),
      entryFile: problem.entryFile,
      objective: problem.objective,
      evaluator: JSON.parse(JSON.stringify(problem.evaluator)) as EvaluatorConfig & JsonObject,
    },
  };
}

/** The payload as a worker reads it; a readable reason when it is not one this worker can run. */
export function parseEvaluationJob(payload: JsonObject): { ok: true; job: EvaluationJobPayload } | { ok: false; reason: string } {
  const parsed = payloadSchema.safeParse(payload);
  if (parsed.success) return { ok: true, job: parsed.data as EvaluationJobPayload };
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? 'payload' : issue.path.join('.') || 'payload';
  return { ok: false, reason: `not an evaluation job this worker can run (format ${JSON.stringify(payload['format'] ?? null)}): ${where}: ${issue?.message ?? 'invalid'}` };
}

/** What a worker records as the job's result: the evaluation, and who ran it and when. */
export interface EvaluationJobResult extends JsonObject {
  evaluation: JsonObject;
  workerId: string;
  slots: number;
  claimedAt: number;
  startedAt: number;
  finishedAt: number;
}

export function evaluationFromJobResult(result: JsonObject): EvaluationResult {
  return result['evaluation'] as unknown as EvaluationResult;
}

/** The Problem a worker's evaluator runs, rebuilt from the job around the snapshot's directory. */
export function problemFromJob(job: EvaluationJobPayload, directory: string): Problem {
  return {
    directory,
    name: job.problem.name,
    files: Object.fromEntries(job.problem.programPaths.map((path) => [path, ''])),
    evolvableFiles: [],
    entryFile: job.problem.entryFile,
    evaluator: job.problem.evaluator,
    objective: job.problem.objective,
    features: [],
    templates: {},
    description: '',
    settings: {},
  };
}
