/**
 * A small BM25 index over tool documents (name, description, schema property names and
 * descriptions), kept incrementally so MCP list changes and new synthesized tools update it without
 * a rebuild. With an inverted index a query touches only the postings of its own terms, so
 * retrieval over thousands of tools stays well under a millisecond.
 */
const k1 = 1.2;
const b = 0.75;
/** The name is what a model and a user most often search by; it counts three times. */
const nameWeight = 3;

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

interface Entry {
  length: number;
  termCounts: Map<string, number>;
}

export class ToolIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly postings = new Map<string, Set<string>>();
  private totalLength = 0;

  get size(): number {
    return this.entries.size;
  }

  add(document: IndexedDocument): void {
    if (this.entries.has(document.name)) this.remove(document.name);
    const terms = documentTerms(document);
    const termCounts = new Map<string, number>();
    for (const term of terms) termCounts.set(term, (termCounts.get(term) ?? 0) + 1);
    this.entries.set(document.name, { length: terms.length, termCounts });
    this.totalLength += terms.length;
    for (const term of termCounts.keys()) {
      let posting = this.postings.get(term);
      if (posting === undefined) this.postings.set(term, (posting = new Set()));
      posting.add(document.name);
    }
  }

  remove(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.totalLength -= entry.length;
    for (const term of entry.termCounts.keys()) {
      const posting = this.postings.get(term);
      posting?.delete(name);
      if (posting?.size === 0) this.postings.delete(term);
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The best `limit` documents for the query, best first; documents sharing no term are left out. */
  search(query: string, limit: number, exclude?: ReadonlySet<string>): ToolSearchHit[] {
    const count = this.entries.size;
    if (count === 0 || limit <= 0) return [];
    const averageLength = this.totalLength / count || 1;
    const scores = new Map<string, number>();
    for (const term of new Set(tokenize(query))) {
      const posting = this.postings.get(term);
      if (posting === undefined) continue;
      const idf = Math.log(1 + (count - posting.size + 0.5) / (posting.size + 0.5));
      for (const name of posting) {
        if (exclude?.has(name) === true) continue;
        const entry = this.entries.get(name)!;
        const frequency = entry.termCounts.get(term)!;
        const weight = (frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * entry.length) / averageLength));
        scores.set(name, (scores.get(name) ?? 0) + idf * weight);
      }
    }
    return topK(scores, limit);
  }
}

function documentTerms(document: IndexedDocument): string[] {
  const nameTerms = tokenize(document.name);
  const terms: string[] = [];
  for (let repeat = 0; repeat < nameWeight; repeat += 1) terms.push(...nameTerms);
  terms.push(...tokenize(document.description));
  if (document.inputSchema !== undefined) terms.push(...tokenize(schemaText(document.inputSchema)));
  return terms;
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

function topK(scores: Map<string, number>, limit: number): ToolSearchHit[] {
  const hits: ToolSearchHit[] = [];
  for (const [name, score] of scores) hits.push({ name, score });
  // Ties break by name so retrieval is deterministic.
  hits.sort((left, right) => right.score - left.score || (left.name < right.name ? -1 : 1));
  return hits.slice(0, limit);
}
