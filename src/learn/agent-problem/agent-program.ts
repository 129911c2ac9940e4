import { createMemoryKnowledge, type AgentKnowledge } from '../../agent/knowledge.ts';
import { isMarkerLine } from '../../evolve/evolve-blocks.ts';
import { parseSkillFile } from '../../library/skill-format.ts';
import type { AgentProblemConfig } from './agent-problem-config.ts';

/**
 * What one candidate program makes of the agent: the instructions its system prompt file gives,
 * and the skills its SKILL.md files hold. EVOLVE-BLOCK marker lines are left out of both, since
 * they are the search's bookkeeping, not words for the agent. A candidate whose SKILL.md no longer
 * parses is a broken program, reported as such (never a crash).
 */
export interface AgentProgramParts {
  instructions: string | undefined;
  skills: { path: string; name: string; description: string; body: string }[];
}

export type AgentProgramReading = { ok: true; parts: AgentProgramParts } | { ok: false; message: string };

export function readAgentProgram(config: AgentProblemConfig, files: Readonly<Record<string, string>>): AgentProgramReading {
  const promptFile = config.section.systemPrompt?.file;
  const instructions = promptFile === undefined ? undefined : withoutMarkers(files[promptFile] ?? '');
  const skills: AgentProgramParts['skills'] = [];
  for (const path of config.section.skills) {
    const parsed = parseSkillFile(files[path] ?? '');
    if (!parsed.ok) return { ok: false, message: `${path} is not a valid SKILL.md: ${parsed.problems.join('; ')}` };
    const expected = config.skillNames[path];
    if (parsed.skill.frontmatter.name !== expected) {
      return { ok: false, message: `${path} renamed its skill to ${parsed.skill.frontmatter.name}; it must stay ${String(expected)}` };
    }
    skills.push({ path, name: parsed.skill.frontmatter.name, description: parsed.skill.frontmatter.description, body: withoutMarkers(parsed.skill.body) });
  }
  return { ok: true, parts: { instructions, skills } };
}

/** The agent's knowledge for one candidate: its skills only, so no library state leaks into a score. */
export function knowledgeOf(parts: AgentProgramParts): AgentKnowledge {
  return createMemoryKnowledge({ skills: parts.skills.map(({ name, description, body }) => ({ name, description, body })) });
}

export function withoutMarkers(text: string): string {
  return text
    .split('\n')
    .filter((line) => !isMarkerLine(line))
    .join('\n')
    .trim();
}
