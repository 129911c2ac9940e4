/**
 * A BM25F index over tool documents (fields: name, description, schema property names and
 * descriptions), kept incrementally so MCP list changes and new synthesized tools update it without
 * a rebuild. It is the library's fielded index (one implementation of postings, updates and
 * scoring); only the tokenizer is the agent's own, since tool names are identifiers and schemas
 * carry type words that are noise.
 */
import { definedOnly } from '../core/defined-only.ts';
import { FieldedBm25Index } from '../library/retrieval/fielded-bm25-index.ts';

/** The name is what a model and a user most often search by; it counts three times. */
const fieldWeights = [3, 1, 1];
const lengthNormalization = [0.75, 0.75, 0.75];

const stopWords = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'in', 'into', 'is', 'it', 'of', 'on',
  'or', 'the', 'this', 'to', 'with', 'that', 'use', 'when', 'given', 'string', 'object', 'type',
]);

/** Lower-case word pieces: splits snake_case, kebab-case, camelCase and punctuation; drops stop words. */
export function tokenize(text: string): string[] {
  const spaced = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  const terms: string[] = [];
  for (const raw of spaced.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || stopWords.has(raw)) continue;
    terms.push(stem(raw));
  }
  return terms;
}

/** A light suffix strip so `files`/`file` and `reading`/`read` meet; not a full stemmer. */
function stem(term: string): string {
  if (term.length > 5 && term.endsWith('ing')) return term.slice(0, -3);
  if (term.length > 4 && /(x|z|ch|sh)es$/.test(term)) return term.slice(0, -2);
  if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}

export interface IndexedDocument {
  name: string;
  description: string;
  inputSchema?: Record<string, unknown>;
}

export interface ToolSearchHit {
  name: string;
  score: number;
}

export class ToolIndex {
  // Exact scores: no common-term cut-off (a tool set is small, and every query term should count).
  private readonly index = new FieldedBm25Index({ weights: fieldWeights, lengthNormalization, commonTermFraction: 1 });

  get size(): number {
    return this.index.size;
  }

  add(document: IndexedDocument): void {
    this.index.add(document.name, documentFields(document));
  }

  remove(name: string): void {
    this.index.remove(name);
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The best `limit` documents for the query, best first; documents sharing no term are left out. */
  search(query: string, limit: number, exclude?: ReadonlySet<string>): ToolSearchHit[] {
    if (limit <= 0) return [];
    const terms = new Map(tokenize(query).map((term) => [term, 1]));
    const accept = exclude === undefined ? undefined : (name: string): boolean => !exclude.has(name);
    return this.index.search(terms, { limit, ...definedOnly({ accept }) }).map((hit) => ({ name: hit.id, score: hit.score }));
  }
}

function documentFields(document: IndexedDocument): string[][] {
  return [tokenize(document.name), tokenize(document.description), document.inputSchema === undefined ? [] : tokenize(schemaText(document.inputSchema))];
}

/** Property names and descriptions of a JSON Schema, recursively; types and keywords are noise. */
function schemaText(schema: Record<string, unknown>, depth = 0): string {
  if (depth > 4) return '';
  const parts: string[] = [];
  if (typeof schema['description'] === 'string') parts.push(schema['description']);
  const properties = schema['properties'];
  if (typeof properties === 'object' && properties !== null) {
    for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
      parts.push(key);
      if (typeof value === 'object' && value !== null) parts.push(schemaText(value as Record<string, unknown>, depth + 1));
    }
  }
  const items = schema['items'];
  if (typeof items === 'object' && items !== null) parts.push(schemaText(items as Record<string, unknown>, depth + 1));
  return parts.join(' ');
}
