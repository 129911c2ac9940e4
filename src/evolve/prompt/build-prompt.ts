import type { JsonObject, JsonValue } from '../../core/json.ts';
import { truncateMiddle } from '../evaluate/truncate-text.ts';
import { findEvolveBlocks } from '../evolve-blocks.ts';
import type { OperatorContext, Problem, ProgramSnapshot } from '../types.ts';
import { defaultTemplates, formatInstructions, type TemplateName } from './default-templates.ts';
import { renderTemplate } from './render-template.ts';

/** How much of each part goes into a prompt, in characters. */
export interface PromptBudget {
  /** All evaluator artifacts together (each is cut at its middle). */
  artifactChars: number;
  /** Code of one inspiration. */
  inspirationChars: number;
  maxInspirations: number;
  /** A file the program cannot change, shown for context. */
  fixedFileChars: number;
}

export const defaultPromptBudget: PromptBudget = {
  artifactChars: 6000,
  inspirationChars: 4000,
  maxInspirations: 4,
  fixedFileChars: 4000,
};

export type MutationForm = 'diff' | 'rewrite';

export interface BuiltPrompt {
  system: string;
  prompt: string;
}

/** The template `name`, from the problem's overrides or the built-in set. */
export function templateFor(problem: Problem, name: TemplateName): string {
  return problem.templates[name] ?? defaultTemplates[name];
}

/**
 * Builds the system and user prompt for one mutation: `kind` picks the user template (diff,
 * rewrite, crossover, repair) and `form` the reply format asked for.
 */
export function buildMutationPrompt(
  kind: 'diff' | 'rewrite' | 'crossover' | 'repair' | 'reflect',
  form: MutationForm,
  context: OperatorContext,
  budget: Partial<PromptBudget> = {},
): BuiltPrompt {
  const limits = { ...defaultPromptBudget, ...budget };
  const { problem, parent } = context;
  const values: Record<string, string> = {
    description: problem.description.trim() === '' ? '' : `# The problem\n${problem.description.trim()}`,
    program: formatProgram(problem, parent.files, limits.fixedFileChars),
    score: formatScore(parent.score),
    metrics: formatMetrics(parent.metrics),
    // The failing cases are shown whole under their own heading; the other feedback beside them.
    artifacts: formatArtifacts(withoutArtifact(parent.artifacts, context.failingCases?.artifact), limits.artifactChars),
    failing_cases: formatFailingCases(context),
    inspirations: formatInspirations(problem, context.inspirations.slice(0, limits.maxInspirations), limits.inspirationChars),
    insights: context.insights.length === 0 ? '' : `# Insights from this search so far\n${context.insights.map((insight) => `- ${insight}`).join('\n')}`,
    previous_failure:
      context.previousFailure === undefined || context.previousFailure.trim() === ''
        ? ''
        : `# Your previous attempt on this program was rejected\n${context.previousFailure.trim()}\nDo not repeat that mistake.`,
    failure: parent.failure === null ? 'It produced no score.' : `${parent.failure.kind}: ${parent.failure.message}`,
    format: formatFor(form, problem, parent.files),
    other_program: context.otherParent === undefined ? '' : formatProgram(problem, context.otherParent.files, limits.fixedFileChars),
    other_score: context.otherParent === undefined ? '' : formatScore(context.otherParent.score),
  };
  return {
    system: renderTemplate(templateFor(problem, 'system'), values),
    prompt: renderTemplate(templateFor(problem, kind), values),
  };
}

function withoutArtifact(artifacts: JsonObject, name: string | undefined): JsonObject {
  if (name === undefined || !(name in artifacts)) return artifacts;
  const rest = { ...artifacts };
  delete rest[name];
  return rest;
}

/** Each failing case under its own numbered heading (already bounded by operators/reflective-cases.ts). */
function formatFailingCases(context: OperatorContext): string {
  const cases = context.failingCases?.cases ?? [];
  if (cases.length === 0) return '(none reported)';
  return cases.map((text, index) => `## Failed case ${index + 1}\n${text}`).join('\n\n');
}

/** The program's files, evolvable ones in full and fixed ones cut to a budget, each in a fence. */
export function formatProgram(problem: Problem, files: Readonly<Record<string, string>>, fixedFileChars: number): string {
  const paths = orderedPaths(problem, files);
  const single = paths.length === 1;
  return paths
    .map((path) => {
      const evolvable = problem.evolvableFiles.includes(path);
      const content = evolvable ? files[path]! : truncateMiddle(files[path]!, fixedFileChars);
      const heading = single ? '' : `## ${path}${evolvable ? '' : ' (fixed, shown for context)'}\n`;
      return `${heading}${fence(content, languageOf(path))}`;
    })
    .join('\n\n');
}

export function formatScore(score: number | null): string {
  return score === null ? 'none: it failed' : formatNumber(score);
}

export function formatMetrics(metrics: JsonObject): string {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return '(none)';
  return entries.map(([name, value]) => `- ${name}: ${formatValue(value)}`).join('\n');
}

export function formatArtifacts(artifacts: JsonObject, budget: number): string {
  const entries = Object.entries(artifacts).filter(([, value]) => value !== null && value !== '');
  if (entries.length === 0 || budget <= 0) return '';
  const share = Math.max(200, Math.floor(budget / entries.length));
  const body = entries.map(([name, value]) => `## ${name}\n${truncateMiddle(typeof value === 'string' ? value : JSON.stringify(value), share)}`).join('\n');
  return `# Evaluator feedback\n${truncateMiddle(body, budget)}`;
}

function formatInspirations(problem: Problem, inspirations: readonly ProgramSnapshot[], budget: number): string {
  if (inspirations.length === 0) return '';
  const parts = inspirations.map((inspiration, index) => {
    const code = problem.evolvableFiles
      .filter((path) => inspiration.files[path] !== undefined)
      .map((path) => `${problem.evolvableFiles.length > 1 ? `### ${path}\n` : ''}${fence(truncateMiddle(inspiration.files[path]!, budget), languageOf(path))}`)
      .join('\n');
    return `## Program ${index + 1} (score ${formatScore(inspiration.score)})\n${formatMetrics(inspiration.metrics)}\n${code}`;
  });
  return `# Other programs from the search, for inspiration\n${parts.join('\n\n')}`;
}

function formatFor(form: MutationForm, problem: Problem, files: Readonly<Record<string, string>>): string {
  if (form === 'diff') {
    const note =
      problem.evolvableFiles.length > 1
        ? `Several files can change (${problem.evolvableFiles.join(', ')}): put the file's path alone on the line before each <<<<<<< SEARCH.\n`
        : '';
    return renderTemplate(formatInstructions.diff, { file_note: note }).trim();
  }
  const blocks = listBlocks(problem, files);
  return renderTemplate(formatInstructions.rewrite, {
    block_count: String(blocks.length),
    block_list: blocks.map((block, index) => `${index + 1}: ${block}`).join('; '),
  }).trim();
}

/** `main.py lines 6-12` for each EVOLVE-BLOCK, in file then position order. */
export function listBlocks(problem: Problem, files: Readonly<Record<string, string>>): string[] {
  return problem.evolvableFiles.flatMap((path) => {
    const content = files[path];
    if (content === undefined) return [];
    return findEvolveBlocks(content, path).map((block) => `${path} lines ${block.startLine + 1}-${block.endLine - 1}`);
  });
}

function orderedPaths(problem: Problem, files: Readonly<Record<string, string>>): string[] {
  const known = Object.keys(problem.files).filter((path) => files[path] !== undefined);
  const extra = Object.keys(files).filter((path) => problem.files[path] === undefined);
  return [...known, ...extra];
}

function fence(content: string, language: string): string {
  // A fence longer than any backtick run inside, so code containing ``` cannot end it early.
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${content.endsWith('\n') ? content : `${content}\n`}${ticks}`;
}

const languages: Record<string, string> = {
  py: 'python', js: 'javascript', mjs: 'javascript', cjs: 'javascript', ts: 'typescript', mts: 'typescript', tsx: 'tsx',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', hpp: 'cpp', rs: 'rust', go: 'go', java: 'java', kt: 'kotlin', rb: 'ruby',
  jl: 'julia', r: 'r', lua: 'lua', sql: 'sql', sh: 'bash', f90: 'fortran', v: 'verilog', sv: 'systemverilog', hs: 'haskell',
  ml: 'ocaml', scala: 'scala', swift: 'swift', cs: 'csharp', php: 'php', m: 'matlab', html: 'html', css: 'css',
};

export function languageOf(path: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return languages[extension] ?? '';
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(8))) : value.toExponential(6);
}

function formatValue(value: JsonValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value.length > 300 ? `${value.slice(0, 300)}...` : value;
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
