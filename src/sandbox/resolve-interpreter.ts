import path from 'node:path';
import { findExecutable } from './limits-wrapper.ts';
import { minimalEnvironment, runProcess } from './run-process.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Version-manager shims (pyenv, asdf, mise) stand on the PATH in place of the interpreter and
 * work out which real one to start on every call: a pyenv `python3` costs 0.4-2 s before the
 * evaluator's first line, more on a busy machine, and that start-up would count against each
 * evaluation's limits. The interpreter can say where it really lives (`sys.executable`), so it is
 * asked once, in the problem's directory and with the evaluation's environment (the shim's choice
 * depends on both), and that path is used for every evaluation.
 *
 * Only Python-family interpreters are asked; other commands (and a failed answer) are kept as
 * given. The answer is remembered per process, keyed by everything that can change it.
 */
const askable = /^(python|pypy)\d*(\.\d+)*$/;
const askScript = 'import sys; sys.stdout.write(sys.executable or "")';
const answers = new Map<string, Promise<string | undefined>>();

export interface ResolveInterpreterOptions {
  /** The directory the shim decides in (a `.python-version` there counts). */
  cwd?: string;
  /** Added to the minimal environment, as for the evaluations themselves. */
  env?: Record<string, string>;
}

/** The command with its interpreter replaced by the real executable, when the interpreter can tell. */
export async function resolveInterpreter(command: readonly string[], options: ResolveInterpreterOptions = {}): Promise<readonly string[]> {
  const executable = command[0];
  if (executable === undefined || !askable.test(path.basename(executable))) return command;
  const environment = { ...minimalEnvironment(), ...options.env };
  const key = JSON.stringify([executable, path.resolve(options.cwd ?? process.cwd()), environment]);
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = ask(executable, options.cwd, options.env);
    answers.set(key, answer);
  }
  const real = await answer;
  return real === undefined ? command : [real, ...command.slice(1)];
}

async function ask(executable: string, cwd: string | undefined, env: Record<string, string> | undefined): Promise<string | undefined> {
  const result = await runProcess({
    command: [executable, '-c', askScript],
    ...definedOnly({ cwd, env }),
    // Generous: this runs once, and a slow shim on a busy machine is exactly the case it is for.
    timeoutMs: 120_000,
    maxOutputBytes: 8192,
  });
  if (result.exitCode !== 0) return undefined;
  const reported = result.stdout.trim();
  if (!path.isAbsolute(reported)) return undefined;
  return findExecutable(reported, '', cwd) === undefined ? undefined : reported;
}
