import { UsageError } from '../../core/errors.ts';
import { libraryKinds, type LibraryKind } from '../../library/artifact-content.ts';
import { renderArtifactText } from '../../library/artifact-files.ts';
import type { Library } from '../../library/library.ts';
import type { LibraryEntry } from '../../library/library-types.ts';
import type { Store } from '../../store/types.ts';
import type { ArtifactDetail, ArtifactRow } from '../api-types.ts';

/**
 * The learned library for the Library page: every skill, lesson, guardrail, tool and prompt with
 * its utility counters; one artifact with all its versions (content, commit message, the gate
 * figures that justified it, and the task and trajectory that produced it); diffs between versions
 * and rollback go through `Library`, the same code `lamarck skills rollback` runs.
 */
export function parseKind(text: string): LibraryKind {
  if ((libraryKinds as readonly string[]).includes(text)) return text as LibraryKind;
  throw new UsageError(`unknown library kind "${text}": expected one of ${libraryKinds.join(', ')}`);
}

export async function artifactRows(store: Store, library: Library, filter: { kind?: LibraryKind | undefined }): Promise<ArtifactRow[]> {
  const entries = await library.list(filter.kind === undefined ? {} : { kind: filter.kind });
  return Promise.all(entries.map(async (entry) => artifactRow(entry, (await store.listVersions(entry.artifact.id)).length)));
}

export async function artifactDetail(store: Store, library: Library, kind: LibraryKind, name: string): Promise<ArtifactDetail | undefined> {
  const entry = await library.get(kind, name);
  if (entry === undefined) return undefined;
  const versions = await library.history(kind, name);
  const trajectoryIds = [...new Set(versions.flatMap((version) => version.trajectoryIds))];
  const trajectories = new Map(
    (await Promise.all(trajectoryIds.map((id) => store.getTrajectory(id)))).filter((item) => item !== undefined).map((item) => [item.id, item] as const),
  );
  const shown = await Promise.all(
    versions.map(async (version) => {
      const { content } = await library.version(kind, name, version.number);
      return {
        number: version.number,
        id: version.id,
        head: version.id === entry.version.id,
        message: version.message,
        createdAt: version.createdAt,
        content,
        text: renderArtifactText(kind, name, content),
        evaluation: version.evaluation,
        trajectories: version.trajectoryIds.map((id) => {
          const trajectory = trajectories.get(id);
          return { id, taskId: trajectory?.taskId ?? null, task: trajectory?.task ?? null, runId: trajectory?.runId ?? null };
        }),
      };
    }),
  );
  return { artifact: artifactRow(entry, versions.length), versions: shown.reverse() };
}

function artifactRow(entry: LibraryEntry, versions: number): ArtifactRow {
  return {
    kind: entry.kind,
    name: entry.name,
    status: entry.status,
    version: entry.version.number,
    versions,
    utility: entry.utility,
    uses: entry.artifact.uses,
    successes: entry.artifact.successes,
    helpful: entry.artifact.helpful,
    harmful: entry.artifact.harmful,
    updatedAt: entry.artifact.updatedAt,
    summary: oneLine(renderArtifactText(entry.kind, entry.name, entry.content)),
  };
}

function oneLine(text: string): string {
  const flat = text.replace(/^---[\s\S]*?---\n/, '').replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
