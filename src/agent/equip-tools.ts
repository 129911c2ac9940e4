import type { RunKnowledge } from './load-knowledge.ts';
import type { AgentRunContext } from './run-context.ts';
import { setUpTools } from './setup-tools.ts';
import type { ToolRegistry } from './tool-registry.ts';

/**
 * The tools phase: every source of tools gathered into the run's registry (setup-tools.ts), the
 * MCP connections kept on the context so the finish phase closes them whatever happens, and the
 * tools a resumed run had already discovered marked again.
 */
export async function equipTools(run: AgentRunContext, knowledge: RunKnowledge): Promise<ToolRegistry> {
  const { options, state, recorder, emit } = run;
  const setup = await setUpTools({
    workspace: options.workspace,
    builtinTools: options.builtinTools ?? true,
    customTools: options.tools ?? [],
    toolDirectories: options.toolDirectories ?? [],
    mcpServers: options.mcpServers ?? [],
    knowledge: options.knowledge,
    hasSkills: knowledge.skills.length > 0,
    capabilities: run.capabilities,
    references: run.references,
    sandbox: run.sandbox,
    recorder,
    emit,
    onSkillActivated: (name) => {
      if (!state.activatedSkills.includes(name)) state.activatedSkills.push(name);
      recorder.step('skill-activated', { name });
      emit({ type: 'skill-activated', name });
    },
  });
  run.connections = setup.connections;
  run.registry = setup.registry;
  setup.registry.markDiscovered(state.discoveredTools);
  return setup.registry;
}
