import { lstat, mkdir, readdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.ts';
import type { JsonValue } from '../../core/json.ts';
import { isJsonObject } from '../../core/json.ts';
import type { AgentTool, ToolOutput } from '../types.ts';

/**
 * read_file, write_file and list_files, confined to one workspace directory. Every path is resolved
 * and then checked again after following symlinks (realpath), so neither `../` nor a link planted in
 * the workspace reaches a file outside it.
 */
export class WorkspaceEscapeError extends UsageError {
  constructor(requested: string) {
    super(`path is outside the workspace: ${requested}`, { path: requested });
  }
}

/** Resolves `requested` inside `root` (both after symlinks); throws WorkspaceEscapeError otherwise. */
export async function resolveInWorkspace(root: string, requested: string): Promise<string> {
  const realRoot = await realpath(root);
  const candidate = path.resolve(realRoot, requested);
  if (!isInside(realRoot, candidate)) throw new WorkspaceEscapeError(requested);
  // The nearest existing ancestor decides where the path really leads; the missing rest is plain names.
  let existing = candidate;
  const missing: string[] = [];
  for (;;) {
    try {
      await lstat(existing);
      break;
    } catch {
      missing.unshift(path.basename(existing));
      const parent = path.dirname(existing);
      if (parent === existing) throw new WorkspaceEscapeError(requested);
      existing = parent;
    }
  }
  const real = path.join(await realpath(existing), ...missing);
  if (!isInside(realRoot, real)) throw new WorkspaceEscapeError(requested);
  return real;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const maxReadChars = 1_000_000;
const maxListEntries = 500;

export function createWorkspaceTools(root: string, options: { writeFiles: boolean }): AgentTool[] {
  const tools: AgentTool[] = [
    {
      name: 'read_file',
      description: 'Read a text file from the workspace. Large files come back as a reference to read in slices.',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', description: 'File path relative to the workspace.' } },
        required: ['path'],
        additionalProperties: false,
      },
      source: 'builtin',
      execute: (input) =>
        guarded(input, async (requested) => {
          const file = await resolveInWorkspace(root, requested);
          const text = await readFile(file, 'utf8');
          return { content: text.length > maxReadChars ? `${text.slice(0, maxReadChars)}\n[truncated at ${maxReadChars} characters]` : text };
        }),
    },
    {
      name: 'list_files',
      description: 'List the files and directories in a workspace directory.',
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', description: 'Directory relative to the workspace; default the workspace root.' } },
        additionalProperties: false,
      },
      source: 'builtin',
      execute: (input) =>
        guarded(isJsonObject(input) && input['path'] === undefined ? { path: '.' } : input, async (requested) => {
          const directory = await resolveInWorkspace(root, requested);
          const entries = await readdir(directory, { withFileTypes: true });
          const lines = entries
            .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.isSymbolicLink() ? `${entry.name}@` : entry.name))
            .sort();
          const shown = lines.slice(0, maxListEntries);
          if (lines.length > shown.length) shown.push(`[${lines.length - shown.length} more entries]`);
          return { content: shown.length === 0 ? '(empty directory)' : shown.join('\n') };
        }),
    },
  ];
  if (options.writeFiles) {
    tools.push({
      name: 'write_file',
      description: 'Write (create or replace) a text file in the workspace; parent directories are created.',
      inputSchema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'File path relative to the workspace.' },
          content: { type: 'string', description: 'The full new content of the file.' },
        },
        required: ['path', 'content'],
        additionalProperties: false,
      },
      source: 'builtin',
      execute: (input) =>
        guarded(input, async (requested) => {
          if (!isJsonObject(input) || typeof input['content'] !== 'string') return { content: 'write_file needs a string "content"', isError: true };
          const file = await resolveInWorkspace(root, requested);
          await mkdir(path.dirname(file), { recursive: true });
          // Re-check after mkdir: a directory created concurrently could be a link.
          const checked = await resolveInWorkspace(root, path.relative(await realpath(root), file));
          // Writing through a temporary file and a rename never follows a link at the target name.
          const temporary = `${checked}.${process.pid}.${Date.now()}.tmp`;
          await writeFile(temporary, input['content'], { flag: 'wx' });
          await rename(temporary, checked);
          return { content: `wrote ${input['content'].length} characters to ${requested}` };
        }),
    });
  }
  return tools;
}

async function guarded(input: JsonValue, body: (requested: string) => Promise<ToolOutput>): Promise<ToolOutput> {
  if (!isJsonObject(input) || typeof input['path'] !== 'string') return { content: 'a string "path" is required', isError: true };
  try {
    return await body(input['path']);
  } catch (error) {
    if (error instanceof WorkspaceEscapeError) return { content: error.message, isError: true };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { content: `no such file or directory: ${input['path']}`, isError: true };
    if (code === 'EISDIR') return { content: `is a directory: ${input['path']}`, isError: true };
    if (code === 'ENOTDIR') return { content: `not a directory: ${input['path']}`, isError: true };
    return { content: error instanceof Error ? error.message : String(error), isError: true };
  }
}
