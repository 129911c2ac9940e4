import type { AgentKnowledge, Guardrail, Lesson, SkillSummary } from './knowledge.ts';

/**
 * The knowledge phase: what the library offers this task (skill summaries, the lessons retrieved
 * for it, the guardrails), with each lesson's use reported back so the library keeps its utility.
 * A run without knowledge gets none of each.
 */
export interface RunKnowledge {
  skills: SkillSummary[];
  lessons: Lesson[];
  guardrails: Guardrail[];
}

export async function loadKnowledge(knowledge: AgentKnowledge | undefined, task: string): Promise<RunKnowledge> {
  if (knowledge === undefined) return { skills: [], lessons: [], guardrails: [] };
  const skills = await knowledge.skills();
  const lessons = await knowledge.lessons(task);
  const guardrails = await knowledge.guardrails();
  for (const lesson of lessons) await knowledge.recordUse?.({ kind: 'lesson', id: lesson.id });
  return { skills, lessons, guardrails };
}
