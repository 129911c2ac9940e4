import { z } from 'zod';

/**
 * The schema of `lamarck.json` (or the default export of `lamarck.ts`). Messages are written for
 * people: the loader prefixes them with the file and the dotted path of the field.
 */
const positive = (what = 'a positive number') =>
  z.number({ error: `expected ${what}` }).refine((value) => Number.isFinite(value) && value > 0, { error: `expected ${what}` });

const relativePath = z
  .string({ error: 'expected a relative file path' })
  .min(1, { error: 'expected a relative file path' })
  .refine((value) => !value.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(value) && !value.split(/[\\/]/).includes('..'), {
    error: 'expected a path inside the problem directory (relative, no "..")',
  });

/** A template or description given inline, or read from a file in the problem directory. */
const textOrFile = z.union([z.string(), z.strictObject({ file: relativePath })], {
  error: 'expected a string or { "file": "<relative path>" }',
});

const cascadeStageSchema = z.strictObject({
  args: z.array(z.string(), { error: 'expected an array of strings' }).default([]),
  threshold: z.number({ error: 'expected a number' }).refine(Number.isFinite, { error: 'expected a finite number' }),
  timeoutSeconds: positive().optional(),
  wallTimeoutSeconds: positive().optional(),
});

const evaluatorSchema = z
  .strictObject({
    command: z.array(z.string(), { error: 'expected an array of strings, e.g. ["python3", "evaluator.py"]' }).min(1, {
      error: 'expected at least the program to run, e.g. ["python3", "evaluator.py"]',
    }).optional(),
    module: relativePath.optional(),
    /** CPU time of one evaluation, all its processes together. */
    timeoutSeconds: positive().default(60),
    /** Wall-clock limit; by default 3 x timeoutSeconds, at least timeoutSeconds + 30. */
    wallTimeoutSeconds: positive().optional(),
    memoryLimitMb: positive().default(2048),
    maxOutputBytes: positive().default(1_000_000),
    cascade: z.array(cascadeStageSchema, { error: 'expected an array of stages' }).default([]),
  })
  .refine((value) => (value.command === undefined) !== (value.module === undefined), {
    error: 'give exactly one of "command" (an argv array) or "module" (a TS/JS file exporting evaluate)',
  });

const featureSchema = z.strictObject({
  name: z.string({ error: 'expected a feature name (code-length, diversity or a metric name)' }).min(1),
  bins: z
    .number({ error: 'expected a positive integer' })
    .refine((value) => Number.isInteger(value) && value > 0, { error: 'expected a positive integer' }),
  min: z.number({ error: 'expected a number' }).optional(),
  max: z.number({ error: 'expected a number' }).optional(),
});

export const problemConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string({ error: 'expected a string' }).min(1).optional(),
    description: textOrFile.optional(),
    program: relativePath.optional(),
    files: z.array(relativePath, { error: 'expected an array of file paths' }).min(1, { error: 'expected at least one file' }).optional(),
    entry: relativePath.optional(),
    evaluator: evaluatorSchema.optional(),
    /**
     * An agent problem: the program is part of an agent (its system prompt, skills), and the agent
     * itself, run on tasks, is the evaluator. The section is handed over unread and validated by the
     * learn module (`src/learn/agent-problem/agent-problem-config.ts`), which owns the agent.
     */
    agent: z.record(z.string(), z.unknown(), { error: 'expected an object (the agent problem section)' }).optional(),
    objective: z.enum(['maximize', 'minimize'], { error: 'expected "maximize" or "minimize"' }).default('maximize'),
    features: z.array(featureSchema, { error: 'expected an array of { name, bins }' }).optional(),
    templates: z.record(z.string(), textOrFile, { error: 'expected an object of template name to text or { file }' }).default({}),
    settings: z.record(z.string(), z.unknown(), { error: 'expected an object' }).default({}),
  })
  .refine((value) => (value.program === undefined) !== (value.files === undefined), {
    error: 'give exactly one of "program" (one file) or "files" (several files)',
  })
  .refine((value) => (value.evaluator === undefined) !== (value.agent === undefined), {
    error: 'give exactly one of "evaluator" (a command or module that scores the program) or "agent" (the agent, run on tasks, scores it)',
  });

export type ProblemConfigInput = z.input<typeof problemConfigSchema>;
export type ProblemConfig = z.output<typeof problemConfigSchema>;
