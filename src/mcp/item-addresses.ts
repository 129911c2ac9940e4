import { UsageError } from '../core/errors.ts';
import { isLibraryKind, kindFolder, libraryKinds, type LibraryKind } from '../library/artifact-content.ts';

/**
 * How library items are named over MCP. An item id is `<kind>/<name>` (the head) or
 * `<kind>/<name>@<version>` (one version); its resource URI is `lamarck://<kinds>/<name>` or
 * `lamarck://<kinds>/<name>@<version>`, with the kind's plural folder name as the mirror uses.
 */
export const uriScheme = 'lamarck';

export interface ItemAddress {
  kind: LibraryKind;
  name: string;
  /** Absent: the head version. */
  version?: number;
}

export function itemId(address: ItemAddress): string {
  return `${address.kind}/${address.name}${address.version === undefined ? '' : `@${address.version}`}`;
}

export function itemUri(address: ItemAddress): string {
  return `${uriScheme}://${kindFolder(address.kind)}/${address.name}${address.version === undefined ? '' : `@${address.version}`}`;
}

/** The two URI templates of a kind: a named item and a named version. */
export function uriTemplates(kind: LibraryKind): { named: string; versioned: string } {
  const base = `${uriScheme}://${kindFolder(kind)}`;
  return { named: `${base}/{name}`, versioned: `${base}/{name}@{version}` };
}

/** Parses `skill/name`, `skill/name@3`, or the same as a `lamarck://skills/name@3` URI. */
export function parseItemAddress(text: string, field = 'id'): ItemAddress {
  const trimmed = text.trim();
  const fromUri = /^lamarck:\/\/([a-z]+)\/(.+)$/.exec(trimmed);
  const match = fromUri ?? /^([a-z]+)\/(.+)$/.exec(trimmed);
  if (match === null) throw new UsageError(`${field}: expected <kind>/<name>[@<version>] or lamarck://<kinds>/<name>[@<version>], got "${text}"`);
  const kindText = match[1]!;
  const kind = fromUri === null ? kindText : libraryKinds.find((candidate) => kindFolder(candidate) === kindText);
  if (kind === undefined || !isLibraryKind(kind)) {
    throw new UsageError(`${field}: unknown kind "${kindText}" (expected one of ${libraryKinds.map((candidate) => (fromUri === null ? candidate : kindFolder(candidate))).join(', ')})`);
  }
  return { kind, ...parseNameAndVersion(match[2]!, field) };
}

export function parseNameAndVersion(text: string, field = 'id'): { name: string; version?: number } {
  const at = text.lastIndexOf('@');
  if (at === -1) return { name: decodeURIComponent(text) };
  const versionText = text.slice(at + 1);
  const version = Number(versionText);
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`${field}: the version after "@" must be a whole number from 1, got "${versionText}"`);
  return { name: decodeURIComponent(text.slice(0, at)), version };
}
