import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { requirePath } from '../core/require-path.ts';
import { contentToJson, type SkillContent } from './artifact-content.ts';
import { renderSkillFiles } from './artifact-files.ts';
import type { Library } from './library.ts';
import { parseSkillFile, skillFileName } from './skill-format.ts';

/**
 * Reading and writing Agent Skills folders (`.claude/skills/`, `.agents/skills/`): the bridge
 * between the library and every other client of the format.
 */
export interface SkillProblem {
  /** The file (or folder) at fault. */
  path: string;
  problems: string[];
}

export type SkillReadResult = { ok: true; name: string; content: SkillContent; warnings: string[] } | { ok: false; problem: SkillProblem };

// Extra files are kept as text; a skill's binary assets are skipped with a warning.
const maximumExtraFileBytes = 512 * 1024;

/** Reads one skill directory. Never throws for a malformed skill; the problem names the file. */
export async function readSkillDirectory(directory: string): Promise<SkillReadResult> {
  const directoryName = basename(directory);
  const entries = await readdir(directory).catch(() => [] as string[]);
  const fileName = entries.includes(skillFileName) ? skillFileName : entries.includes('skill.md') ? 'skill.md' : undefined;
  const skillPath = join(directory, fileName ?? skillFileName);
  if (fileName === undefined) return { ok: false, problem: { path: skillPath, problems: ['SKILL.md is missing'] } };
  const parsed = parseSkillFile(await readFile(skillPath, 'utf8'), directoryName);
  if (!parsed.ok) return { ok: false, problem: { path: skillPath, problems: parsed.problems } };
  const warnings: string[] = [];
  const files: Record<string, string> = {};
  for (const path of await listFiles(directory)) {
    const relativePath = relative(directory, path).split(sep).join('/');
    if (relativePath === fileName) continue;
    const info = await stat(path);
    const bytes = info.size <= maximumExtraFileBytes ? await readFile(path) : undefined;
    if (bytes === undefined || bytes.includes(0)) {
      warnings.push(`${path}: skipped (${bytes === undefined ? 'larger than 512 KiB' : 'not a text file'})`);
      continue;
    }
    files[relativePath] = bytes.toString('utf8');
  }
  const { frontmatter, body } = parsed.skill;
  const content: SkillContent = { description: frontmatter.description, body, files };
  if (frontmatter.license !== undefined) content.license = frontmatter.license;
  if (frontmatter.compatibility !== undefined) content.compatibility = frontmatter.compatibility;
  if (frontmatter.metadata !== undefined) content.metadata = frontmatter.metadata;
  if (frontmatter['allowed-tools'] !== undefined) content.allowedTools = frontmatter['allowed-tools'];
  return { ok: true, name: frontmatter.name, content, warnings };
}

export interface ImportReport {
  added: string[];
  updated: string[];
  unchanged: string[];
  skipped: SkillProblem[];
  warnings: string[];
}

/**
 * Imports every skill folder under `root` (or `root` itself when it holds a SKILL.md). Malformed
 * skills are skipped and reported; the rest are added, or committed as a new version when the
 * library already has a skill of that name with different content.
 */
export async function importSkills(library: Library, root: string, options: { status?: 'active' | 'candidate' } = {}): Promise<ImportReport> {
  const report: ImportReport = { added: [], updated: [], unchanged: [], skipped: [], warnings: [] };
  await requirePath(root, 'directory', 'skills folder');
  const rootEntries = await readdir(root, { withFileTypes: true });
  const directories = rootEntries.some((entry) => entry.isFile() && (entry.name === skillFileName || entry.name === 'skill.md'))
    ? [root]
    : rootEntries
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => join(root, entry.name))
        .sort();
  await library.batch(async () => {
    for (const directory of directories) {
      const read = await readSkillDirectory(directory);
      if (!read.ok) {
        report.skipped.push(read.problem);
        continue;
      }
      report.warnings.push(...read.warnings);
      const existing = await library.get('skill', read.name);
      if (existing === undefined) {
        await library.add('skill', read.name, read.content, { status: options.status ?? 'active', message: `import from ${directory}` });
        report.added.push(read.name);
      } else if (JSON.stringify(existing.version.content) === JSON.stringify(contentToJson(read.content))) {
        report.unchanged.push(read.name);
      } else {
        await library.update('skill', read.name, read.content, { message: `import from ${directory}` });
        report.updated.push(read.name);
      }
    }
  });
  return report;
}

/** Writes skills as spec-valid folders `<target>/<name>/SKILL.md` (+ their files). Returns the names. */
export async function exportSkills(
  library: Library,
  target: string,
  options: { statuses?: readonly ('active' | 'candidate' | 'retired')[]; names?: readonly string[] } = {},
): Promise<string[]> {
  const statuses = options.statuses ?? ['active'];
  const entries = (await library.list({ kind: 'skill' })).filter(
    (entry) => statuses.includes(entry.status) && (options.names === undefined || options.names.includes(entry.name)),
  );
  for (const entry of entries) {
    const files = renderSkillFiles(entry.name, entry.content as SkillContent);
    for (const [path, text] of Object.entries(files)) {
      const destination = join(target, entry.name, path);
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, text, 'utf8');
    }
  }
  return entries.map((entry) => entry.name);
}

async function listFiles(directory: string): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) result.push(...(await listFiles(path)));
    else if (entry.isFile()) result.push(path);
  }
  return result.sort();
}
