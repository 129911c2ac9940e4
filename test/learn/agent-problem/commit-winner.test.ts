import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/evolve/types.ts';
import type { AgentProblemConfig } from '../../../src/learn/agent-problem/agent-problem-config.ts';
import type { AgentProgramParts } from '../../../src/learn/agent-problem/agent-program.ts';
import { commitAgentWinner } from '../../../src/learn/agent-problem/commit-winner.ts';
import { Library } from '../../../src/library/library.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

const problem = { name: 'two-part-agent' } as Problem;
const config = { promptName: 'two-part-agent-system-prompt', skillNames: { 'skills/a/SKILL.md': 'skill-a', 'skills/b/SKILL.md': 'skill-b' } } as unknown as AgentProblemConfig;
const skill = (path: string, name: string, body: string) => ({ path, name, description: `What ${name} does`, body });
const initial: AgentProgramParts = {
  instructions: 'Answer briefly.',
  skills: [skill('skills/a/SKILL.md', 'skill-a', 'Step one.'), skill('skills/b/SKILL.md', 'skill-b', 'Check units.')],
};
const evaluation = { origin: 'evolve-agent-problem', runId: 'run_1', programId: 'prg_1' };

describe('committing an agent problem winner', () => {
  it('commits only the parts the winner changed, a skill as a skill version, keeping what the library item had beside its text', async () => {
    const library = new Library({ store: createMemoryStore() });
    // The library already holds skill-b, with a file the program does not carry.
    await library.add('skill', 'skill-b', { description: 'What skill-b does', body: 'Check units.', files: { 'references/units.md': 'SI units' } });
    const winner: AgentProgramParts = {
      instructions: 'Answer briefly.',
      skills: [skill('skills/a/SKILL.md', 'skill-a', 'Step one.\nStep two.'), skill('skills/b/SKILL.md', 'skill-b', 'Check units, then convert.')],
    };
    const committed = await commitAgentWinner({ library, config, problem, initial, winner, message: 'evolve run run_1, program prg_1', evaluation });
    expect(committed).toEqual([
      { kind: 'skill', name: 'skill-a', version: 2 },
      { kind: 'skill', name: 'skill-b', version: 2 },
    ]);
    // The prompt did not change, so no prompt item was made.
    expect(await library.get('prompt', 'two-part-agent-system-prompt')).toBeUndefined();
    const a = await library.history('skill', 'skill-a');
    expect(a.map((version) => [version.number, version.content['body']])).toEqual([[1, 'Step one.'], [2, 'Step one.\nStep two.']]);
    expect(a[0]!.message).toContain('the initial program of agent problem two-part-agent');
    expect(a[1]!.evaluation).toEqual(evaluation);
    const b = await library.require('skill', 'skill-b');
    expect(b.content.body).toBe('Check units, then convert.');
    expect(b.content.files).toEqual({ 'references/units.md': 'SI units' });
    expect((await library.rollback('skill', 'skill-b', 1)).content.body).toBe('Check units.');
  });

  it('commits the system prompt as a prompt version over the initial text when the library has none', async () => {
    const library = new Library({ store: createMemoryStore() });
    const winner: AgentProgramParts = { ...initial, instructions: 'Answer briefly.\nWrite dates as YYYY-MM-DD.' };
    const committed = await commitAgentWinner({ library, config, problem, initial, winner, message: 'evolve run run_1, program prg_1', evaluation });
    expect(committed).toEqual([{ kind: 'prompt', name: 'two-part-agent-system-prompt', version: 2 }]);
    const history = await library.history('prompt', 'two-part-agent-system-prompt');
    expect(history.map((version) => version.content['text'])).toEqual(['Answer briefly.', 'Answer briefly.\nWrite dates as YYYY-MM-DD.']);
    expect(history[1]!.message).toBe('evolve run run_1, program prg_1');
  });
});
