import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError, SandboxError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import { skippedDirectories } from '../evaluate/evaluation-workspace.ts';

/**
 * A content-addressed copy of a problem directory (the evaluator, its data; never the initial
 * program, which each job replaces with a candidate), so a worker on another machine evaluates
 * against exactly what the coordinator has. Stored once per content in the shared store's state
 * documents (scope `problem-snapshot`, key = its hash): every job of a run names the same one.
 * Bounded, because every worker fetches it whole.
 */
export const snapshotScope = 'problem-snapshot';
export const defaultSnapshotLimitBytes = 8 * 1024 * 1024;

export interface ProblemSnapshot {
  /** sha256 over the sorted paths and their contents' hashes. */
  hash: string;
  /** Relative path (with `/`) → base64 content. */
  files: Record<string, string>;
  bytes: number;
}

/** Reads the problem directory into a snapshot; a clear ConfigError past `limitBytes`. */
export async function takeProblemSnapshot(options: {
  directory: string;
  programPaths: readonly string[];
  limitBytes?: number;
}): Promise<ProblemSnapshot> {
  const root = resolve(options.directory);
  const limit = options.limitBytes ?? defaultSnapshotLimitBytes;
  const excluded = new Set(options.programPaths.map((path) => resolve(root, path)));
  const found: Array<{ path: string; bytes: number; absolute: string }> = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const absolute = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) await walk(absolute);
      } else if (entry.isFile() && !excluded.has(absolute)) {
        found.push({ path: relative(root, absolute).split(sep).join('/'), bytes: (await stat(absolute)).size, absolute });
      }
    }
  };
  await walk(root);
  const total = found.reduce((sum, file) => sum + file.bytes, 0);
  if (total > limit) {
    const largest = [...found].sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((file) => `${file.path} (${megabytes(file.bytes)})`);
    throw new ConfigError(
      'problem directory',
      `${root} holds ${megabytes(total)} of files to send to external workers, over the ${megabytes(limit)} bound of a job snapshot ` +
        `(largest: ${largest.join(', ')}). Move large data out of the problem directory, or evaluate in-process (without --workers external).`,
    );
  }
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const digest = createHash('sha256');
  const files: Record<string, string> = {};
  for (const file of found) {
    const content = await readFile(file.absolute);
    files[file.path] = content.toString('base64');
    digest.update(`${file.path}\0${createHash('sha256').update(content).digest('hex')}\0`);
  }
  return { hash: digest.digest('hex'), files, bytes: total };
}

/** Stores the snapshot under its hash, once: the same content is already there when another run stored it. */
export async function saveProblemSnapshot(store: Store, snapshot: ProblemSnapshot): Promise<void> {
  if ((await store.getState(snapshotScope, snapshot.hash)) !== undefined) return;
  await store.putState(snapshotScope, snapshot.hash, { hash: snapshot.hash, files: snapshot.files, bytes: snapshot.bytes });
}

/**
 * Writes the snapshot `hash` into a directory of this machine's cache and returns it. A finished
 * directory is reused (its name is its content); one is written beside it and renamed into place,
 * so two slots materializing the same snapshot at once never see a half-written directory.
 */
export async function materializeProblemSnapshot(store: Store, hash: string, cacheRoot = join(tmpdir(), 'lamarck-snapshots')): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new SandboxError('snapshot-invalid', `not a problem snapshot hash: ${JSON.stringify(hash)}`);
  const target = join(cacheRoot, hash);
  if (existsSync(target)) return target;
  const stored = await store.getState(snapshotScope, hash);
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new SandboxError('snapshot-missing', `the problem snapshot ${hash} is not in the store this worker uses (is the worker on the coordinator's store?)`);
  }
  const files = (stored as JsonObject)['files'];
  if (files === null || typeof files !== 'object' || Array.isArray(files)) throw new SandboxError('snapshot-invalid', `the problem snapshot ${hash} has no files`);
  const staging = join(cacheRoot, `.${hash}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    for (const [path, content] of Object.entries(files)) {
      const destination = resolve(staging, path);
      if (!destination.startsWith(staging + sep) || typeof content !== 'string') {
        throw new SandboxError('snapshot-invalid', `the problem snapshot ${hash} holds an unusable entry ${JSON.stringify(path)}`);
      }
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, Buffer.from(content, 'base64'));
    }
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another slot or worker finished the same snapshot first: its copy is identical.
      if (existsSync(target)) return;
      throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
