import type { UsageMeter } from '../model/types.ts';
import { callModel, type ModelCallContext } from './call-model.ts';
import type { RunKnowledge } from './load-knowledge.ts';
import type { AgentRunContext } from './run-context.ts';
import { planningSystemPrompt } from './prompt.ts';

/**
 * The optional planning step: one call without tools that writes a short numbered plan, which then
 * sits in the executor's system prompt. Kept short on purpose (at most 12 lines, 2,000 characters):
 * a long plan costs context at every later step.
 */
export async function writePlan(
  context: ModelCallContext,
  task: string,
  options: { meter?: UsageMeter | undefined; signal: AbortSignal; lessons: readonly string[] },
): Promise<string> {
  const lessons = options.lessons.length > 0 ? `\n\nLessons from earlier tasks:\n${options.lessons.map((text) => `- ${text}`).join('\n')}` : '';
  const result = await callModel(
    context,
    {
      system: planningSystemPrompt,
      prompt: `Task:\n${task}${lessons}`,
      signal: options.signal,
      meter: options.meter,
    },
    0,
    'plan',
  );
  const plan = result.text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 12)
    .join('\n')
    .slice(0, 2000);
  context.recorder.step('plan', { plan });
  context.emit({ type: 'plan-written', plan });
  return plan;
}

/** The plan phase: a plan when the run asks for one and has none yet (a resumed run keeps its own), saved at once. */
export async function planIfAsked(run: AgentRunContext, knowledge: RunKnowledge): Promise<void> {
  if (run.options.plan !== true || run.state.plan !== null) return;
  run.state.plan = await writePlan(run.modelContext, run.state.task, { signal: run.signal, lessons: knowledge.lessons.map((lesson) => lesson.text), meter: run.meter });
  await run.persist();
}
