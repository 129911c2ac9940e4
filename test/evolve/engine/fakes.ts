import { createHash } from 'node:crypto';
import { ModelOutputError } from '../../../src/core/errors.ts';
import type { Random } from '../../../src/core/random.ts';
import type { EvaluationResult, Evaluator, Operator, OperatorContext, Problem, CandidateProposal } from '../../../src/evolve/types.ts';
import type { GenerateTextResult, LanguageModelClient, UsageMeter } from '../../../src/model/types.ts';

/**
 * Small fakes for engine tests: a one-file problem `x = <number>`, a model-free tuning operator,
 * an operator that asks a (scripted) model for the next value, a scripted model with a delay and
 * a per-call cost, and an evaluator scoring -(x - 3)^2 that logs every evaluation.
 */
export const programPath = 'program.py';

export function programWith(x: number): string {
  return `# EVOLVE-BLOCK-START\nx = ${x}\n# EVOLVE-BLOCK-END\nprint(x)\n`;
}

export function valueOf(files: Record<string, string>): number {
  const match = /x = (-?[\d.e+-]+)/.exec(files[programPath] ?? '');
  return match === null ? Number.NaN : Number(match[1]);
}

export function fakeProblem(initial = 10, settings: Problem['settings'] = {}): Problem {
  return {
    directory: '/tmp/fake-problem',
    name: 'fake',
    files: { [programPath]: programWith(initial) },
    evolvableFiles: [programPath],
    entryFile: programPath,
    evaluator: { kind: 'command', command: ['true'], timeoutMs: 1000, memoryLimitMb: 100, maxOutputBytes: 1000, cascade: [] },
    objective: 'maximize',
    features: [
      { name: 'code-length', bins: 4 },
      { name: 'diversity', bins: 4 },
    ],
    templates: {},
    description: 'find x = 3',
    settings,
  };
}

function proposalOf(context: OperatorContext, files: Record<string, string>, extra: Partial<CandidateProposal> = {}): CandidateProposal {
  return {
    files,
    diff: `x: ${valueOf(context.parent.files)} -> ${valueOf(files)}`,
    operator: 'numeric-tune',
    model: null,
    prompt: null,
    reply: null,
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    ...extra,
  };
}

/** Model-free: x + normal step, rounded to 3 decimals, with a step size that adapts to outcomes. */
export function tuningOperator(): Operator & { observed: number } {
  let step = 2;
  const operator = {
    specificationVersion: 'v1' as const,
    name: 'numeric-tune',
    needsModel: false,
    observed: 0,
    async propose(context: OperatorContext): Promise<CandidateProposal> {
      const next = Math.round((valueOf(context.parent.files) + context.random.normal() * step) * 1000) / 1000;
      return proposalOf(context, { ...context.parent.files, [programPath]: programWith(next) });
    },
    observe(outcome: { result: EvaluationResult; parent: { score: number | null } }) {
      operator.observed += 1;
      const improved = outcome.result.score !== null && outcome.parent.score !== null && outcome.result.score > outcome.parent.score;
      step = Math.max(0.01, improved ? step * 1.2 : step * 0.9);
    },
    saveState: () => ({ step }),
    restoreState: (state: { step?: unknown }) => {
      if (typeof state.step === 'number') step = state.step;
    },
  };
  return operator as Operator & { observed: number };
}

/** Asks the model for the next x; a reply that is not a number is an apply failure. */
export function modelOperator(name = 'llm-diff'): Operator & { previousFailures: string[] } {
  const previousFailures: string[] = [];
  return {
    specificationVersion: 'v1',
    name,
    needsModel: true,
    previousFailures,
    async propose(context) {
      if (context.previousFailure !== undefined) previousFailures.push(context.previousFailure);
      const prompt = `parent x = ${valueOf(context.parent.files)}; score ${context.parent.score}`;
      const reply = await context.model!.generateText({ prompt, ...(context.meter ? { meter: context.meter } : {}) });
      const next = Number(reply.text);
      if (!Number.isFinite(next)) throw new ModelOutputError(`reply is not a number: ${reply.text}`);
      return proposalOf(context, { ...context.parent.files, [programPath]: programWith(next) }, {
        operator: name,
        model: reply.model,
        prompt,
        reply: reply.text,
        usage: reply.usage,
      });
    },
  };
}

/** A scripted model: replies come from `reply(callIndex, prompt)`; each call may wait and cost. */
export function scriptedModel(options: {
  reply: (call: number, prompt: string, random?: Random) => string;
  delayMs?: number;
  costUsd?: number;
  spec?: string;
  onCall?: (active: number) => void;
}): LanguageModelClient & { calls: number; maxActive: number } {
  let active = 0;
  const model = {
    specificationVersion: 'v1' as const,
    spec: options.spec ?? 'scripted:test',
    provider: 'scripted' as const,
    modelId: 'test',
    nativeTools: false,
    calls: 0,
    maxActive: 0,
    async generateText(request: { prompt?: string; meter?: UsageMeter; signal?: AbortSignal }): Promise<GenerateTextResult> {
      request.meter?.beforeCall(model.spec);
      const call = model.calls;
      model.calls += 1;
      active += 1;
      model.maxActive = Math.max(model.maxActive, active);
      options.onCall?.(active);
      try {
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      } finally {
        active -= 1;
      }
      const usage = { inputTokens: 10, outputTokens: 5, costUsd: options.costUsd ?? 0 };
      request.meter?.record(model.spec, usage, 'mutate');
      return { text: options.reply(call, request.prompt ?? ''), toolCalls: [], finishReason: 'stop', usage, model: model.spec, latencyMs: options.delayMs ?? 0, attempts: 1 };
    },
    async generateObject(): Promise<never> {
      throw new Error('not scripted');
    },
    streamText(): never {
      throw new Error('not scripted');
    },
  };
  return model as unknown as LanguageModelClient & { calls: number; maxActive: number };
}

/** Scores -(x - 3)^2; x = 13 crashes; logs a hash of every program it evaluates. */
export function fakeEvaluator(options: { delayMs?: number } = {}): Evaluator & { log: string[]; maxActive: number } {
  let active = 0;
  const evaluator = {
    log: [] as string[],
    maxActive: 0,
    async evaluate(files: Record<string, string>): Promise<EvaluationResult> {
      active += 1;
      evaluator.maxActive = Math.max(evaluator.maxActive, active);
      try {
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      } finally {
        active -= 1;
      }
      evaluator.log.push(hashFiles(files));
      const x = valueOf(files);
      if (x === 13) {
        return { ok: false, score: null, metrics: {}, artifacts: { stderr: 'Traceback: x is unlucky' }, failure: { kind: 'crash', message: 'exit 1' }, stages: 1, durationMs: 1 };
      }
      return { ok: true, score: -((x - 3) ** 2), metrics: { x }, artifacts: {}, failure: null, stages: 1, durationMs: 1 };
    },
  };
  return evaluator;
}

export function hashFiles(files: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(Object.entries(files).sort())).digest('hex').slice(0, 16);
}
