import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SandboxError } from '../../core/errors.ts';

/** Directory names never copied into an evaluation: version control, caches, and Lamarck's own state. */
export const skippedDirectories = new Set(['.git', '.hg', '.svn', '.lamarck', 'node_modules', '__pycache__', '.venv', '.mypy_cache', '.pytest_cache']);

/**
 * A fresh directory per evaluation: a copy of the problem directory (evaluator, data) without the
 * initial program, plus the candidate's files. A candidate can therefore neither see nor damage
 * another candidate's files or the originals. `dispose` always removes it.
 */
export interface EvaluationWorkspace {
  directory: string;
  dispose(): Promise<void>;
}

const workspacePrefix = 'lamarck-eval-';
const swept = new Set<string>();

/**
 * Removes workspaces whose owning process no longer exists (a run killed with `kill -9` cannot
 * clean up after itself). Returns the names removed. Workspaces of live processes are left alone.
 */
export async function sweepAbandonedWorkspaces(root: string, isAlive: (pid: number) => boolean = processIsAlive): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /^lamarck-eval-(\d+)-[^/]+$/.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true, maxRetries: 3, retryDelay: 50 }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function createEvaluationWorkspace(options: {
  problemDirectory: string;
  programPaths: readonly string[];
  files: Readonly<Record<string, string>>;
  tempRoot?: string;
}): Promise<EvaluationWorkspace> {
  const root = options.tempRoot ?? tmpdir();
  await mkdir(root, { recursive: true });
  if (!swept.has(root)) {
    swept.add(root);
    await sweepAbandonedWorkspaces(root);
  }
  // The owner's pid in the name lets a later process remove what a killed one left behind.
  const directory = await mkdtemp(join(root, `${workspacePrefix}${process.pid}-`));
  const dispose = async (): Promise<void> => {
    await rm(directory, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  };
  try {
    const problemDirectory = resolve(options.problemDirectory);
    const programPaths = new Set(options.programPaths.map((path) => resolve(problemDirectory, path)));
    await cp(problemDirectory, directory, {
      recursive: true,
      filter: (source) => {
        const absolute = resolve(source);
        if (programPaths.has(absolute)) return false;
        const name = relative(problemDirectory, absolute).split(sep).pop() ?? '';
        return !skippedDirectories.has(name);
      },
    });
    for (const [path, content] of Object.entries(options.files)) {
      const target = resolve(directory, path);
      if (!target.startsWith(directory + sep)) {
        throw new SandboxError('workspace-path', `candidate file path escapes the workspace: ${path}`, { path });
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    return { directory, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
