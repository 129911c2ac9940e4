import { ConfigError } from '../../core/errors.ts';

/**
 * The cap on a program's size (`settings.maxProgramChars` in lamarck.json, characters over all its
 * files). Without it a runaway reply grows the program, and each prompt carries the program, so
 * one megabyte reply became a megabyte child and a megabyte prompt, then doubled.
 */
export function programChars(files: Readonly<Record<string, string>>): number {
  return Object.values(files).reduce((sum, text) => sum + text.length, 0);
}

/** The failure to record for a child over the cap, or undefined when it fits. */
export function programSizeProblem(files: Readonly<Record<string, string>>, limit: number): { kind: 'program-too-large'; message: string } | undefined {
  const chars = programChars(files);
  if (chars <= limit) return undefined;
  return { kind: 'program-too-large', message: `the child program has ${chars} characters, over the cap of ${limit} (settings.maxProgramChars); it was not evaluated` };
}

/** An initial program over the cap would fail every child: refused before the run starts. */
export function assertInitialProgramFits(files: Readonly<Record<string, string>>, limit: number): void {
  const chars = programChars(files);
  if (chars > limit) {
    throw new ConfigError('settings.maxProgramChars', `the initial program has ${chars} characters, over the cap of ${limit}; raise the cap`, { source: 'lamarck.json' });
  }
}
