import type { Resource } from '@modelcontextprotocol/server';
import { DIRECTORY_MIME_TYPE, SkillsExtension, skillEntry, type DirectoryResource, type Skill, type SkillReadResult, type SkillSource } from '@modelcontextprotocol/server/ext/skills';
import { renderSkillFiles } from '../library/artifact-files.ts';
import type { SkillContent } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { itemUri } from './item-addresses.ts';
import { mimeTypeOf } from './item-content.ts';

/**
 * Lamarck's committed skills through the MCP skills extension (SEP-2640, the SDK's
 * `ext/skills`): `skills/list` and `skills/get` give each active skill's entry (its `SKILL.md`
 * front matter and every file with size and a SHA-256 digest, built by the SDK's own
 * `skillEntry`, which also checks the name and front matter), the files are read as
 * `skill://<name>/<path>` resources, and `resources/directory/read` lists a skill's folders.
 * A client that speaks the extension (the SDK's `SkillsClient`) verifies every file against the
 * entry before it loads it.
 *
 * The catalog is one immutable snapshot, replaced whole by `rebuild` when the library moves, so a
 * read always meets the digests of the entry it was served with (the SDK's storage-backed
 * catalog re-reads files that can change under it). A skill whose head did not move keeps its
 * entry, so a rebuild of a large library hashes only what changed.
 */
export const skillBaseUri = 'skill://';

interface SkillFileRecord {
  text: string;
  mimeType: string;
}

interface BuiltSkill {
  versionId: string;
  skill: Skill;
  files: Map<string, SkillFileRecord>;
  directories: Map<string, DirectoryResource[]>;
  listed: Resource;
}

interface Snapshot {
  ordered: readonly Skill[];
  byVersion: ReadonlyMap<string, BuiltSkill>;
  bySkillUri: ReadonlyMap<string, BuiltSkill>;
  files: ReadonlyMap<string, SkillFileRecord>;
  directories: ReadonlyMap<string, DirectoryResource[]>;
}

/** What a rebuild changed, as `SKILL.md` URIs. */
export interface SkillCatalogChange {
  added: string[];
  removed: string[];
  changed: string[];
}

const emptySnapshot: Snapshot = { ordered: [], byVersion: new Map(), bySkillUri: new Map(), files: new Map(), directories: new Map() };
const pageSize = 100;

export class LibrarySkillCatalog {
  readonly extension: SkillsExtension;
  #snapshot: Snapshot = emptySnapshot;
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
    const source: SkillSource = {
      list: ({ cursor }) => Promise.resolve(this.#page(cursor)),
      get: (uri) => Promise.resolve(this.#snapshot.bySkillUri.get(canonical(uri))?.skill),
      read: (uri) => Promise.resolve(this.#read(uri)),
      readDirectory: (uri, { cursor }) => Promise.resolve(this.#readDirectory(uri, cursor)),
      listResources: () => Promise.resolve([...this.#snapshot.bySkillUri.values()].map((built) => built.listed)),
    };
    this.extension = new SkillsExtension({ source, baseUri: skillBaseUri, onWarning: (warning) => log(`skills: ${warning.path}: ${warning.message}`) });
  }

  /** The entries served now, sorted by URI. */
  get skills(): readonly Skill[] {
    return this.#snapshot.ordered;
  }

  /** Every file URI of a served skill (its `SKILL.md` first), for per-resource notifications. */
  fileUris(skillUri: string): string[] {
    const built = this.#snapshot.bySkillUri.get(canonical(skillUri));
    if (built === undefined || built.skill.resources === 'dynamic') return [];
    return built.skill.resources.map((resource) => resource.uri);
  }

  /** Serves exactly these entries' active skills from now on; returns what changed. */
  async rebuild(entries: readonly LibraryEntry[]): Promise<SkillCatalogChange> {
    const previous = this.#snapshot;
    const built: BuiltSkill[] = [];
    for (const entry of entries) {
      if (entry.kind !== 'skill' || entry.status !== 'active') continue;
      const kept = previous.byVersion.get(entry.version.id);
      // Annotations (priority from utility) move without a new version; the entry does not.
      const one = kept ?? (await this.#build(entry));
      if (one !== undefined) built.push(kept === undefined ? one : { ...kept, listed: listedResource(entry, kept.skill) });
    }
    built.sort((left, right) => compareText(left.skill.uri, right.skill.uri));
    const files = new Map<string, SkillFileRecord>();
    const directories = new Map<string, DirectoryResource[]>();
    for (const one of built) {
      for (const [uri, file] of one.files) files.set(uri, file);
      for (const [uri, children] of one.directories) directories.set(uri, children);
    }
    this.#snapshot = {
      ordered: Object.freeze(built.map((one) => one.skill)),
      byVersion: new Map(built.map((one) => [one.versionId, one])),
      bySkillUri: new Map(built.map((one) => [one.skill.uri, one])),
      files,
      directories,
    };
    return {
      added: [...this.#snapshot.bySkillUri.keys()].filter((uri) => !previous.bySkillUri.has(uri)),
      removed: [...previous.bySkillUri.keys()].filter((uri) => !this.#snapshot.bySkillUri.has(uri)),
      changed: [...this.#snapshot.bySkillUri.entries()].filter(([uri, one]) => previous.bySkillUri.has(uri) && previous.bySkillUri.get(uri)!.versionId !== one.versionId).map(([uri]) => uri),
    };
  }

  async #build(entry: LibraryEntry): Promise<BuiltSkill | undefined> {
    const rendered = renderSkillFiles(entry.name, entry.content as SkillContent);
    let skill: Skill;
    try {
      skill = await skillEntry(entry.name, rendered, { baseUri: skillBaseUri });
    } catch (error) {
      // A stored skill the extension cannot publish (a file name no URI can carry, say) is left
      // out of the catalog and said so; the rest of the library is still served.
      this.#log(`skills: ${entry.name} is not served through the skills extension: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    skill = Object.freeze({ ...skill, _meta: { 'lamarck/item': itemUri({ kind: 'skill', name: entry.name }), 'lamarck/version': entry.version.number } });
    const root = skillRoot(skill.uri);
    const files = new Map<string, SkillFileRecord>();
    const sizes = new Map<string, number>();
    for (const resource of skill.resources === 'dynamic' ? [] : skill.resources) sizes.set(resource.uri, resource.size);
    const directories = new Map<string, DirectoryResource[]>([[root, []]]);
    const annotations = itemAnnotations(entry);
    for (const [path, text] of Object.entries(rendered)) {
      const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
      const uri = canonical(joinUri(root, segments));
      files.set(uri, { text, mimeType: mimeTypeOf(path) });
      let directory = root;
      for (const [depth, segment] of segments.entries()) {
        const childUri = canonical(joinUri(directory, [segment]));
        const children = directories.get(directory) ?? [];
        directories.set(directory, children);
        const leaf = depth === segments.length - 1;
        if (!children.some((child) => child.uri === childUri)) {
          children.push(leaf ? { uri: childUri, name: segment, mimeType: mimeTypeOf(path), size: sizes.get(childUri) ?? Buffer.byteLength(text), annotations } : { uri: childUri, name: segment, mimeType: DIRECTORY_MIME_TYPE });
        }
        if (!leaf && !directories.has(childUri)) directories.set(childUri, []);
        directory = childUri;
      }
    }
    for (const children of directories.values()) children.sort((left, right) => compareText(left.uri, right.uri));
    return { versionId: entry.version.id, skill, files, directories, listed: listedResource(entry, skill) };
  }

  #page(cursor: string | undefined): { skills: Skill[]; nextCursor?: string } {
    const page = paginate(this.#snapshot.ordered, cursor, (skill) => skill.uri);
    return page.nextCursor === undefined ? { skills: page.items } : { skills: page.items, nextCursor: page.nextCursor };
  }

  #read(uri: string): SkillReadResult | undefined {
    const file = this.#snapshot.files.get(canonical(uri));
    return file === undefined ? undefined : { text: file.text, mimeType: file.mimeType };
  }

  #readDirectory(uri: string, cursor: string | undefined): { resources: Resource[]; nextCursor?: string } | undefined {
    const children = this.#snapshot.directories.get(canonical(uri));
    if (children === undefined) return undefined;
    const page = paginate(children, cursor, (child) => child.uri);
    return page.nextCursor === undefined ? { resources: page.items } : { resources: page.items, nextCursor: page.nextCursor };
  }
}

function listedResource(entry: LibraryEntry, skill: Skill): Resource {
  return {
    uri: skill.uri,
    name: skill.frontmatter.name,
    description: skill.frontmatter.description,
    mimeType: 'text/markdown',
    annotations: itemAnnotations(entry),
  };
}

function itemAnnotations(entry: LibraryEntry): { priority: number; lastModified: string } {
  return { priority: Math.round(entry.utility * 1000) / 1000, lastModified: new Date(entry.artifact.updatedAt).toISOString() };
}

/** `skill://<name>/SKILL.md` → `skill://<name>`. */
function skillRoot(skillUri: string): string {
  return skillUri.slice(0, -'/SKILL.md'.length);
}

function joinUri(base: string, segments: readonly string[]): string {
  return [base, ...segments.map((segment) => encodeURIComponent(segment))].join('/');
}

/** The WHATWG form of a URI, as the SDK compares them; an unparsable one matches nothing. */
function canonical(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return '';
  }
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Pages by the last URI seen, so a rebuild between pages neither repeats nor skips a survivor. */
function paginate<T>(items: readonly T[], cursor: string | undefined, key: (item: T) => string): { items: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const after = Buffer.from(cursor, 'base64url').toString('utf8');
    start = items.findIndex((item) => compareText(key(item), after) > 0);
    if (start === -1) start = items.length;
  }
  const end = Math.min(items.length, start + pageSize);
  const page = items.slice(start, end);
  return end < items.length ? { items: page, nextCursor: Buffer.from(key(page.at(-1)!), 'utf8').toString('base64url') } : { items: page };
}
