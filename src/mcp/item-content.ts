import type { JsonObject } from '../core/json.ts';
import { contentToJson, type ContentByKind, type LibraryKind } from '../library/artifact-content.ts';
import { folderKinds, renderArtifactFiles } from '../library/artifact-files.ts';
import type { Library } from '../library/library.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import type { ArtifactStatus } from '../store/types.ts';
import { itemId, itemUri, type ItemAddress } from './item-addresses.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * One library item as MCP clients receive it: its identity, the version read, the counters its
 * utility comes from, its content, and its files as the mirror writes them (a skill's `SKILL.md`
 * and extra files, a tool's `tool.json` and `index.js`, a lesson's Markdown). Item text is data:
 * it is carried in strings and never interpreted.
 */
export interface ItemView {
  id: string;
  uri: string;
  kind: LibraryKind;
  name: string;
  artifactId: string;
  status: ArtifactStatus;
  version: number;
  versionId: string;
  headVersion: number;
  /** (successes + 1) / (uses + 2), as learn computes it. */
  utility: number;
  uses: number;
  successes: number;
  /** When the head last moved (commit, rollback, status change) or, for a named version, when it was committed. */
  lastModified: string;
  message: string;
  evaluation: JsonObject;
  content: JsonObject;
  /** Paths relative to the item's folder (skills and tools) or its single file name. */
  files: Record<string, string>;
}

export async function readItem(library: Library, address: ItemAddress): Promise<ItemView> {
  const head = await library.require(address.kind, address.name);
  if (address.version === undefined || address.version === head.version.number) return viewOf(head, address.version);
  const { version, content } = await library.version(address.kind, address.name, address.version);
  return viewOf({ ...head, version, content }, address.version, new Date(version.createdAt).toISOString());
}

export function viewOf(entry: LibraryEntry, requestedVersion?: number, lastModified?: string): ItemView {
  const address = { kind: entry.kind, name: entry.name, ...definedOnly({ version: requestedVersion }) };
  return {
    id: itemId(address),
    uri: itemUri(address),
    kind: entry.kind,
    name: entry.name,
    artifactId: entry.artifact.id,
    status: entry.status,
    version: entry.version.number,
    versionId: entry.version.id,
    headVersion: entry.artifact.headNumber,
    utility: entry.utility,
    uses: entry.artifact.uses,
    successes: entry.artifact.successes,
    lastModified: lastModified ?? new Date(entry.artifact.updatedAt).toISOString(),
    message: entry.version.message,
    evaluation: entry.version.evaluation,
    content: contentToJson(entry.content),
    files: itemFiles(entry.kind, entry.name, entry.content),
  };
}

/** Files relative to the item: `SKILL.md`, `references/x.md` for a skill; `<name>.md` for a lesson. */
export function itemFiles(kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): Record<string, string> {
  const rendered = renderArtifactFiles(kind, name, content);
  if (!folderKinds(kind)) return rendered;
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(rendered)) files[path.slice(name.length + 1)] = text;
  return files;
}

/** The MIME type a client should show a file as. */
export function mimeTypeOf(path: string): string {
  if (path.endsWith('.md')) return 'text/markdown';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.js')) return 'text/javascript';
  return 'text/plain';
}
