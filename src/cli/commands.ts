import type { Command } from 'commander';
import type { CliContext } from './context.ts';

/**
 * The command list, in the order `lamarck --help` shows it. Each command lives in its own file
 * under `commands/` and registers itself on the program.
 */
export function registerCommands(program: Command, context: CliContext): void {
  void program;
  void context;
}
