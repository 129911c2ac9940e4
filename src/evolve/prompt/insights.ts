import { z } from 'zod';
import type { LanguageModelClient, ModelUsage, UsageMeter } from '../../model/types.ts';
import type { Problem, ProgramSnapshot } from '../types.ts';
import { formatScore, templateFor } from './build-prompt.ts';
import { renderTemplate } from './render-template.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * The meta-scratchpad: every so often, short summaries of recent programs (what changed, the
 * score against the parent, how failures failed) are distilled by the model into a few insights
 * that go into later prompts. Without a model there are no insights.
 */
export interface InsightSummary {
  operator: string;
  score: number | null;
  parentScore: number | null;
  /** The failure, when the child failed. */
  failure: string | null;
  /** A few lines of the change (its diff, truncated). */
  change: string;
}

export interface DistillInsightsOptions {
  problem: Problem;
  model?: LanguageModelClient;
  meter?: UsageMeter;
  signal?: AbortSignal;
  summaries: readonly InsightSummary[];
  previous: readonly string[];
  maxInsights?: number;
}

const insightsSchema = z.object({
  insights: z.array(z.string().min(1)).describe('Short, concrete lessons, one sentence each'),
});

/** Summarises a child for the insight step, from its snapshot, its parent's score and its diff. */
export function summarizeForInsights(child: ProgramSnapshot, parentScore: number | null, diff: string, maxChangeChars = 600): InsightSummary {
  const change = diff.length > maxChangeChars ? `${diff.slice(0, maxChangeChars)}\n[...]` : diff;
  return {
    operator: child.operator,
    score: child.score,
    parentScore,
    failure: child.failure === null ? null : `${child.failure.kind}: ${child.failure.message}`,
    change,
  };
}

export async function distillInsights(options: DistillInsightsOptions): Promise<{ insights: string[]; usage: ModelUsage | null }> {
  const maxInsights = options.maxInsights ?? 5;
  if (options.model === undefined || options.summaries.length === 0) return { insights: [...options.previous], usage: null };
  const summaries = options.summaries
    .map((summary, index) => {
      const outcome =
        summary.failure !== null
          ? `FAILED (${summary.failure})`
          : `score ${formatScore(summary.score)} vs parent ${formatScore(summary.parentScore)}${
              summary.score !== null && summary.parentScore !== null ? (summary.score > summary.parentScore ? ' (better)' : ' (not better)') : ''
            }`;
      return `## ${index + 1}. ${summary.operator}: ${outcome}\n${summary.change.trim()}`;
    })
    .join('\n\n');
  const prompt = renderTemplate(templateFor(options.problem, 'insights'), {
    summaries,
    insights: options.previous.length === 0 ? '(none yet)' : options.previous.map((insight) => `- ${insight}`).join('\n'),
    max_insights: String(maxInsights),
  });
  const result = await options.model.generateObject({
    schema: insightsSchema,
    schemaName: 'insights',
    system: `You distil lessons from an evolutionary program search.${options.problem.description === '' ? '' : `\nThe problem: ${options.problem.description}`}`,
    prompt,
    purpose: 'insights',
    ...definedOnly({ meter: options.meter, signal: options.signal }),
  });
  const insights = result.object.insights
    .map((insight) => insight.trim().replace(/\s+/g, ' '))
    .filter((insight) => insight.length > 0)
    .slice(0, maxInsights)
    .map((insight) => (insight.length > 300 ? `${insight.slice(0, 297)}...` : insight));
  return { insights, usage: result.usage };
}

/**
 * The insight step in the shape the engine's InsightsRefresher expects: outcomes in, the new list
 * out. Without a model, or with nothing new, the current list is kept.
 */
export function createInsightsRefresher(
  problem: Problem,
  options: { maxInsights?: number; maxOutcomes?: number } = {},
): {
  refresh(input: {
    outcomes: readonly { operator: string; score: number | null; parentScore: number | null; failure: { kind: string; message: string } | null; diff: string }[];
    current: string[];
    model: LanguageModelClient | undefined;
    meter: UsageMeter;
    signal: AbortSignal;
  }): Promise<string[]>;
} {
  const maxOutcomes = options.maxOutcomes ?? 20;
  return {
    async refresh(input) {
      const summaries = input.outcomes.slice(-maxOutcomes).map((outcome) => ({
        operator: outcome.operator,
        score: outcome.score,
        parentScore: outcome.parentScore,
        failure: outcome.failure === null ? null : `${outcome.failure.kind}: ${outcome.failure.message}`,
        change: outcome.diff.length > 600 ? `${outcome.diff.slice(0, 600)}\n[...]` : outcome.diff,
      }));
      const { insights } = await distillInsights({
        problem,
        summaries,
        previous: input.current,
        meter: input.meter,
        signal: input.signal,
        ...definedOnly({ model: input.model, maxInsights: options.maxInsights }),
      });
      return insights;
    },
  };
}
