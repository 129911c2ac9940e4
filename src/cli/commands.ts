import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { registerSkillsCommand } from './commands/skills.ts';
import { registerLibraryCommand } from './commands/library.ts';
import { registerLearnCommand } from './commands/learn.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerTrajectoryCommand } from './commands/trajectory.ts';
import { registerEvolveCommand } from './commands/evolve.ts';
import { registerRunsCommand } from './commands/runs.ts';
import { registerBestCommand } from './commands/best.ts';
import { registerLineageCommand } from './commands/lineage.ts';
import { registerModelCommand } from './commands/model.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerToolsCommand } from './commands/tools.ts';

/**
 * The command list, in the order `lamarck --help` shows it. Each command lives in its own file
 * under `commands/` and registers itself on the program.
 */
export function registerCommands(program: Command, context: CliContext): void {
  registerSkillsCommand(program, context);
  registerLibraryCommand(program, context);
  registerLearnCommand(program, context);
  registerRunCommand(program, context);
  registerTrajectoryCommand(program, context);
  registerEvolveCommand(program, context);
  registerRunsCommand(program, context);
  registerBestCommand(program, context);
  registerLineageCommand(program, context);
  registerModelCommand(program, context);
  registerDoctorCommand(program, context);
  registerToolsCommand(program, context);
  void program;
  void context;
}
