import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { LibraryKnowledge } from '../learn/library-knowledge.ts';
import { itemUri } from './item-addresses.ts';
import type { McpSharedOptions } from './server-context.ts';

/**
 * The `playbook` prompt: a task with what the library knows about it, built exactly as
 * `lamarck run` selects it (retrieved skills with their instructions, lessons, every active
 * guardrail), so a client's own model starts where Lamarck's agent would.
 */
export function registerPlaybookPrompt(server: McpServer, shared: McpSharedOptions): void {
  server.registerPrompt(
    'playbook',
    {
      title: 'Playbook for a task',
      description: 'The task with the skills, lessons and guardrails the library retrieves for it.',
      argsSchema: z.object({ task: z.string().min(1).max(20_000).describe('The task to prepare for.') }),
    },
    async ({ task }) => {
      const knowledge = new LibraryKnowledge({ index: shared.view.index, task, tokenBudget: shared.tokenBudget, maxItems: shared.maxItems });
      const skills = await knowledge.skills();
      const lessons = await knowledge.lessons(task, shared.maxItems);
      const sections: string[] = [`# Task\n\n${task}`];
      if (skills.length > 0) {
        const bodies = await Promise.all(skills.map(async (skill) => `## Skill: ${skill.name}\n\n${skill.description}\n\n${await knowledge.loadSkill(skill.name)}`));
        sections.push(`# Skills that apply\n\n${bodies.join('\n\n')}`);
      }
      if (lessons.length > 0) sections.push(`# Lessons from earlier attempts\n\n${lessons.map((lesson) => `- ${lesson.text}`).join('\n')}`);
      const guardrails = knowledge.guardrails();
      if (guardrails.length > 0) sections.push(`# Guardrails (never break these)\n\n${guardrails.map((guardrail) => `- ${guardrail.reason}`).join('\n')}`);
      if (skills.length === 0 && lessons.length === 0) sections.push('The library has nothing retrieved for this task yet.');
      return {
        description: `Playbook: ${skills.length} skills, ${lessons.length} lessons, ${guardrails.length} guardrails`,
        messages: [
          { role: 'user' as const, content: { type: 'text' as const, text: sections.join('\n\n') } },
          ...skills.map((skill) => ({
            role: 'user' as const,
            content: { type: 'resource_link' as const, uri: itemUri({ kind: 'skill', name: skill.name }), name: `skill/${skill.name}`, description: skill.description },
          })),
        ],
      };
    },
  );
}
