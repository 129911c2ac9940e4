import { ResourceTemplate, type McpServer, type ReadResourceResult, type Resource } from '@modelcontextprotocol/server';
import { UsageError } from '../core/errors.ts';
import { kindFolder, libraryKinds, summaryText, type LibraryKind } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { itemId, itemUri, parseNameAndVersion, uriTemplates, type ItemAddress } from './item-addresses.ts';
import { mimeTypeOf, readItem, type ItemView } from './item-content.ts';
import type { McpSharedOptions } from './server-context.ts';

/**
 * Every skill, lesson, guardrail, tool and prompt of the library as an MCP resource, through two
 * URI templates per kind: `lamarck://skills/{name}` (the head) and `lamarck://skills/{name}@{version}`
 * (one version, exactly as committed). Listing shows the live items of each kind with the time
 * their head last moved and a priority equal to their utility, so a client ranks what worked.
 * A read returns the item's main file first (`SKILL.md`, `tool.json`, `<name>.md`), then its other
 * files under the item's URI.
 */
export function registerLibraryResources(server: McpServer, shared: McpSharedOptions): void {
  for (const kind of libraryKinds) {
    const templates = uriTemplates(kind);
    // The versioned template goes first: `{name}` alone would also match `name@3`.
    server.registerResource(
      `${kind}-version`,
      new ResourceTemplate(templates.versioned, { list: undefined }),
      { title: `A version of a ${kind}`, description: `One committed version of a ${kind}, by name and version number.` },
      async (uri, variables) => readResource(shared, uri.href, { kind, ...parseVariables(variables, true) }),
    );
    server.registerResource(
      kind,
      new ResourceTemplate(templates.named, { list: async () => ({ resources: listResources(shared, kind) }) }),
      { title: `${kindFolder(kind)} of the library`, description: `The head version of each live ${kind}.` },
      async (uri, variables) => readResource(shared, uri.href, { kind, ...parseVariables(variables, false) }),
    );
  }
}

function listResources(shared: McpSharedOptions, kind: LibraryKind): Resource[] {
  return shared.view.index
    .entries()
    .filter((entry) => entry.kind === kind && entry.status !== 'retired')
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((entry) => resourceOf(entry));
}

export function resourceOf(entry: LibraryEntry): Resource {
  const address = { kind: entry.kind, name: entry.name };
  return {
    uri: itemUri(address),
    name: itemId(address),
    title: entry.name,
    description: summaryText(entry.kind, entry.name, entry.content),
    mimeType: mimeTypeOf(mainFile(entry.kind, entry.name)),
    annotations: { priority: roundPriority(entry.utility), lastModified: new Date(entry.artifact.updatedAt).toISOString(), audience: ['assistant'] },
  };
}

async function readResource(shared: McpSharedOptions, uri: string, address: ItemAddress): Promise<ReadResourceResult> {
  const item = await readItem(shared.view.library, address);
  return { contents: resourceContents(uri, item) };
}

export function resourceContents(uri: string, item: ItemView): ReadResourceResult['contents'] {
  const main = mainFile(item.kind, item.name);
  const paths = Object.keys(item.files).sort((left, right) => (left === main ? -1 : right === main ? 1 : left.localeCompare(right)));
  const meta = { version: item.version, status: item.status, utility: item.utility };
  return paths.map((path) => ({
    uri: path === main ? uri : `${uri}/${path}`,
    mimeType: mimeTypeOf(path),
    text: item.files[path]!,
    annotations: { priority: roundPriority(item.utility), lastModified: item.lastModified },
    _meta: { 'lamarck/path': path, ...(path === main ? { 'lamarck/item': meta } : {}) },
  }));
}

function mainFile(kind: LibraryKind, name: string): string {
  if (kind === 'skill') return 'SKILL.md';
  if (kind === 'tool') return 'tool.json';
  return `${name}.md`;
}

function parseVariables(variables: Record<string, string | string[]>, versioned: boolean): { name: string; version?: number } {
  const name = single(variables['name']);
  if (!versioned) return parseNameAndVersion(name, 'uri');
  const version = Number(single(variables['version']));
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`uri: the version must be a whole number from 1, got "${single(variables['version'])}"`);
  return { name: decodeURIComponent(name), version };
}

function single(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** MCP priorities are 0..1, as utilities are; rounding keeps listings stable between tiny changes. */
function roundPriority(utility: number): number {
  return Math.round(utility * 1000) / 1000;
}
