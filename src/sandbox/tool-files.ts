import { lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CapabilityDeniedError } from './tool-network.ts';

/**
 * The files capability of a sandboxed tool: `ctx.readFile`, `ctx.listFiles` and `ctx.writeFile`,
 * confined to one directory the user granted. Paths are relative to that root; `..`, absolute
 * paths and symbolic links that lead outside it are refused. Contents cross as UTF-8 text.
 */
export interface FileAccess {
  /** The directory the tool may use. */
  root: string;
  read: boolean;
  write: boolean;
  maxFileBytes?: number;
}

export type FileOperation = 'readFile' | 'writeFile' | 'listFiles';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** Performs one file operation described by the guest as JSON (`{ path, content? }`); returns JSON text. */
export async function performToolFileOperation(operation: FileOperation, requestText: string, access: FileAccess): Promise<string> {
  try {
    return await performUnchecked(operation, requestText, access);
  } catch (error) {
    // Node's messages carry absolute host paths; the tool only ever sees paths relative to its root.
    if (!(error instanceof Error) || error instanceof CapabilityDeniedError) throw error;
    const root = await realpath(access.root).catch(() => access.root);
    throw new Error(error.message.replaceAll(root, '.').replaceAll(access.root, '.'), { cause: error });
  }
}

async function performUnchecked(operation: FileOperation, requestText: string, access: FileAccess): Promise<string> {
  const request = JSON.parse(requestText) as { path?: unknown; content?: unknown };
  const relative = typeof request.path === 'string' ? request.path : '.';
  const maxBytes = access.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (operation === 'writeFile') {
    if (!access.write) throw new CapabilityDeniedError('writing files was not granted to this tool');
    if (typeof request.content !== 'string') throw new TypeError('ctx.writeFile: content must be a string');
    if (Buffer.byteLength(request.content) > maxBytes) throw new RangeError(`ctx.writeFile: content is larger than ${maxBytes} bytes`);
    const target = await confinedPath(access.root, relative, { forWriting: true });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, request.content, 'utf8');
    return JSON.stringify(null);
  }
  if (!access.read) throw new CapabilityDeniedError('reading files was not granted to this tool');
  const target = await confinedPath(access.root, relative, { forWriting: false });
  if (operation === 'listFiles') {
    const entries = await readdir(target, { withFileTypes: true });
    return JSON.stringify(entries.map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name)).sort());
  }
  const info = await lstat(target);
  if (info.size > maxBytes) throw new RangeError(`ctx.readFile: ${relative} is larger than ${maxBytes} bytes`);
  return JSON.stringify(await readFile(target, 'utf8'));
}

/**
 * Resolves `relative` inside `root` one component at a time. A symbolic link is followed only when
 * it resolves inside the root (a dangling one is refused: writing through it could create a file
 * anywhere). For writing, components that do not exist yet are fine: they will be created inside.
 */
async function confinedPath(root: string, relative: string, options: { forWriting: boolean }): Promise<string> {
  if (path.isAbsolute(relative) || relative.includes('\0')) throw denied(relative);
  const realRoot = await realpath(root);
  const candidate = path.resolve(realRoot, relative);
  if (!isInside(realRoot, candidate)) throw denied(relative);
  const parts = path.relative(realRoot, candidate).split(path.sep).filter((part) => part !== '');
  let current = realRoot;
  for (const [index, part] of parts.entries()) {
    const next = path.join(current, part);
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(next);
    } catch (error) {
      if (!isMissing(error)) throw error;
      if (!options.forWriting) throw new Error(`no such file: ${relative}`, { cause: error });
      return path.join(next, ...parts.slice(index + 1));
    }
    if (!info.isSymbolicLink()) {
      current = next;
      continue;
    }
    const target = await realpath(next).catch(() => undefined);
    if (target === undefined || !isInside(realRoot, target)) throw denied(relative);
    current = target;
  }
  if (options.forWriting && (await lstat(current)).isDirectory()) throw new TypeError(`ctx.writeFile: ${relative} is a directory`);
  return current;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function denied(relative: string): CapabilityDeniedError {
  return new CapabilityDeniedError(`the path ${JSON.stringify(relative)} is outside the directory granted to this tool`);
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
