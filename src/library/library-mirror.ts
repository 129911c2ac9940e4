import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createId } from '../core/ids.ts';
import { folderKinds, renderArtifactFiles } from './artifact-files.ts';
import { kindFolder, type LibraryKind } from './artifact-content.ts';
import type { ArtifactRecord } from '../store/types.ts';
import type { LibraryEntry } from './library-types.ts';
import { utilityScore } from './utility.ts';

/**
 * The library as plain files (`skills/<name>/SKILL.md`, `lessons/<name>.md`...) so it can be read,
 * diffed and kept in git. The store is the source of truth: the mirror is written after each
 * commit and holds the head of every artifact that is not retired, plus `library.json`, a manifest
 * with status, version and utility. Writes go through a temporary file and a rename, so a reader
 * (or a second process) never sees half a file.
 */
export const mirrorManifestName = 'library.json';

export class LibraryMirror {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  /** Writes (or, when retired, removes) one artifact's files. */
  async write(entry: LibraryEntry): Promise<void> {
    await this.remove(entry.kind, entry.name);
    if (entry.status === 'retired') return;
    const files = renderArtifactFiles(entry.kind, entry.name, entry.content);
    for (const [path, text] of Object.entries(files)) {
      await writeAtomically(join(this.directory, kindFolder(entry.kind), path), text);
    }
  }

  async remove(kind: LibraryKind, name: string): Promise<void> {
    const base = join(this.directory, kindFolder(kind));
    await rm(folderKinds(kind) ? join(base, name) : join(base, `${name}.md`), { recursive: true, force: true });
  }

  /** Rewrites the manifest from the full list of artifacts. */
  async writeManifest(artifacts: readonly ArtifactRecord[]): Promise<void> {
    const manifest = {
      format: 'lamarck-library-v1',
      artifacts: artifacts
        .filter((artifact) => artifact.kind !== 'program')
        .map((artifact) => ({
          kind: artifact.kind,
          name: artifact.name,
          status: artifact.status,
          version: artifact.headNumber,
          uses: artifact.uses,
          successes: artifact.successes,
          helpful: artifact.helpful,
          harmful: artifact.harmful,
          utility: Math.round(utilityScore(artifact) * 1000) / 1000,
        })),
    };
    await writeAtomically(join(this.directory, mirrorManifestName), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** Removes files of artifacts that are no longer live, then rewrites every live one. */
  async rebuild(entries: readonly LibraryEntry[]): Promise<void> {
    const live = new Set(entries.filter((entry) => entry.status !== 'retired').map((entry) => `${entry.kind}/${entry.name}`));
    for (const kind of ['skill', 'lesson', 'guardrail', 'tool', 'prompt'] as const) {
      const base = join(this.directory, kindFolder(kind));
      const names = await readdir(base).catch(() => [] as string[]);
      for (const file of names) {
        const name = folderKinds(kind) ? file : file.replace(/\.md$/, '');
        if (!live.has(`${kind}/${name}`)) await rm(join(base, file), { recursive: true, force: true });
      }
    }
    for (const entry of entries) await this.write(entry);
    await this.writeManifest(entries.map((entry) => entry.artifact));
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${createId('tmp')}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}
