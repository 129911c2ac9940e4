import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerBestCommand } from './commands/best.ts';
import { registerCurriculumCommand } from './commands/curriculum.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerEvolveCommand } from './commands/evolve.ts';
import { registerLearnCommand } from './commands/learn.ts';
import { registerLibraryCommand } from './commands/library.ts';
import { registerLineageCommand } from './commands/lineage.ts';
import { registerMcpCommand } from './commands/mcp.ts';
import { registerModelCommand } from './commands/model.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerRunsCommand } from './commands/runs.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSkillsCommand } from './commands/skills.ts';
import { registerStoreCommand } from './commands/store.ts';
import { registerToolsCommand } from './commands/tools.ts';
import { registerTrajectoryCommand } from './commands/trajectory.ts';
import { registerWorkerCommand } from './commands/worker.ts';

/**
 * The command list, in the order `lamarck --help` shows it: the two loops first, then what
 * inspects their results, then set-up. Each command lives in its own file under `commands/`.
 */
export function registerCommands(program: Command, context: CliContext): void {
  registerEvolveCommand(program, context);
  registerWorkerCommand(program, context);
  registerRunsCommand(program, context);
  registerBestCommand(program, context);
  registerLineageCommand(program, context);
  registerLearnCommand(program, context);
  registerCurriculumCommand(program, context);
  registerRunCommand(program, context);
  registerTrajectoryCommand(program, context);
  registerSkillsCommand(program, context);
  registerLibraryCommand(program, context);
  registerServeCommand(program, context);
  registerMcpCommand(program, context);
  registerStoreCommand(program, context);
  registerToolsCommand(program, context);
  registerModelCommand(program, context);
  registerDoctorCommand(program, context);
}
