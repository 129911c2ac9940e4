import { stat } from 'node:fs/promises';
import { NotFoundError, UsageError } from './errors.ts';

/**
 * A path someone named (a command's argument, an option, an API parameter) checked before any work
 * starts, so a missing folder or file is one line that names it ("skills folder not found: /x/y")
 * instead of a raw ENOENT from deep inside, or a run that goes on without it.
 */
export type PathKind = 'file' | 'directory';

/**
 * Throws a NotFoundError (`<what> not found: <path>`) when nothing is at `path`, and a UsageError
 * when something is there but of the other kind or cannot be looked at. `path` should be absolute,
 * so the message says exactly where it looked.
 */
export async function requirePath(path: string, kind: PathKind, what: string): Promise<void> {
  let found: Awaited<ReturnType<typeof stat>>;
  try {
    found = await stat(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ENOTDIR: a file stands where a folder on the way should be; nothing is at the path either way.
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(what, path);
    throw new UsageError(`${what}: cannot look at ${path} (${typeof code === 'string' ? code : (error as Error).message})`, { path });
  }
  if (kind === 'directory' && !found.isDirectory()) throw new UsageError(`${what}: ${path} is a file, not a folder`, { path });
  if (kind === 'file' && found.isDirectory()) throw new UsageError(`${what}: ${path} is a folder, not a file`, { path });
}
