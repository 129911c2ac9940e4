import type { EmbeddingClient } from '../../model/types.ts';
import type { ArtifactRecord, ArtifactStatus } from '../../store/types.ts';
import { isLibraryKind, searchableText, summaryText, type LibraryKind } from '../artifact-content.ts';
import type { Library } from '../library.ts';
import type { LibraryEntry } from '../library-types.ts';
import { selectAdaptively, type AdaptiveSelectionOptions, type Selection } from './adaptive-selection.ts';
import type { ScoredId } from './fielded-bm25-index.ts';
import { normalizedScoreFusion, reciprocalRankFusion, type FusionMethod } from './fusion.ts';
import { LexicalRetriever, type LexicalMatch } from './lexical-retriever.ts';
import { rerankWithModel, type ModelRerankOptions } from './model-rerank.ts';
import { retrievalSettings, type RetrievalSettingsOverrides } from './retrieval-settings.ts';
import { estimateTokens } from './tokenize.ts';
import { TriggerHistory, type TriggerVersion } from './trigger-history.ts';
import { VectorIndex } from './vector-index.ts';
import { utilityScore } from '../utility.ts';

/**
 * Retrieval over the library: fielded lexical ranking (BM25F, see LexicalRetriever) always, plus vectors when an embedding client is configured,
 * fused by rank or by normalized score. The index is kept in step with the store by `sync`,
 * which re-reads only artifacts whose head or status moved (another process may have written).
 */
export interface LibraryIndexOptions {
  embedding?: EmbeddingClient | undefined;
  fusion?: FusionMethod;
  /** Token counter for budgets; default about four characters per token. */
  countTokens?: (text: string) => number;
  /**
   * A query term in more than this fraction of items (and in more than 1,000) only adds to items a
   * rarer term found (see FieldedBm25Options). Default 0.05; 1 disables the cut-off.
   */
  commonTermFraction?: number;
  /** Lexical ranking knobs; the defaults were fitted on the development split of the evaluation set. */
  retrieval?: RetrievalSettingsOverrides;
  /**
   * A language model that may reorder the top few hits of a search that asks for it
   * (`rerank: true`); see model-rerank.ts. `onKeptLexicalOrder` hears why a re-rank was not applied.
   */
  rerank?: (ModelRerankOptions & { onKeptLexicalOrder?: (reason: string) => void }) | undefined;
}

export interface SearchOptions {
  kinds?: readonly LibraryKind[];
  /** Default: active only. */
  statuses?: readonly ArtifactStatus[];
  limit?: number;
  /** Attach to each hit the query terms that matched it, and where. */
  explain?: boolean;
  /**
   * Let the index's re-rank model reorder the top hits (only when one is configured; curation's
   * own searches never ask, so they spend no model calls).
   */
  rerank?: boolean;
}

export interface RetrievedItem {
  id: string;
  score: number;
  entry: LibraryEntry;
  /** What gets injected: a lesson's text, a guardrail's rule, a skill's catalog line. */
  text: string;
  tokens: number;
  /** Why it matched (with `explain`): query terms, the fields they were found in, their share of the score. */
  explanation?: LexicalMatch[];
  /**
   * With `explain`: the query terms that matched this hit but not its nearest neighbour in the
   * list (the hit after it, or for the others the hit before), and that neighbour's name: what
   * tells two close items apart ("parse" for parse-dates against format-dates).
   */
  distinguishing?: { from: string; terms: string[] };
}

export type SelectOptions = SearchOptions & AdaptiveSelectionOptions;

export class LibraryIndex {
  readonly #entries = new Map<string, LibraryEntry>();
  readonly #lexical: LexicalRetriever;
  readonly #vectors = new VectorIndex();
  readonly #needsEmbedding = new Set<string>();
  readonly #hidden = new Set<string>();
  readonly #embedding: EmbeddingClient | undefined;
  readonly #fusion: FusionMethod;
  readonly #countTokens: (text: string) => number;
  readonly #rerank: LibraryIndexOptions['rerank'];
  #triggerVersion = 0;
  readonly #options: LibraryIndexOptions;

  constructor(options: LibraryIndexOptions = {}) {
    this.#options = options;
    const commonTermFraction = options.commonTermFraction;
    this.#lexical = new LexicalRetriever(retrievalSettings(options.retrieval), commonTermFraction === undefined ? {} : { commonTermFraction });
    this.#embedding = options.embedding;
    this.#fusion = options.fusion ?? 'reciprocal-rank';
    this.#countTokens = options.countTokens ?? estimateTokens;
    this.#rerank = options.rerank;
  }

  get size(): number {
    return this.#entries.size;
  }

  entry(id: string): LibraryEntry | undefined {
    return this.#entries.get(id);
  }

  upsert(entry: LibraryEntry): void {
    this.upsertAll([entry]);
  }

  /**
   * Adds or replaces entries in one batch: the lexical index grows each posting once for the
   * whole batch (building 10,000 items one upsert at a time took over a second, most of it spent
   * growing postings and looking words up again).
   */
  upsertAll(entries: readonly LibraryEntry[]): void {
    const changed: LibraryEntry[] = [];
    for (const entry of entries) {
      const id = entry.artifact.id;
      const previous = this.#entries.get(id);
      this.#entries.set(id, entry);
      if (previous !== undefined && previous.version.id === entry.version.id) continue;
      changed.push(entry);
      this.#vectors.remove(id);
      if (this.#embedding !== undefined) this.#needsEmbedding.add(id);
    }
    this.#lexical.addAll(changed.map((entry) => ({ id: entry.artifact.id, kind: entry.kind, name: entry.name, content: entry.content })));
  }

  remove(id: string): void {
    this.#entries.delete(id);
    this.#lexical.remove(id);
    this.#vectors.remove(id);
    this.#needsEmbedding.delete(id);
  }

  /** Brings the index up to date with the store; returns how many entries changed. */
  async sync(library: Library): Promise<number> {
    await this.#syncTriggers(new TriggerHistory(library.store));
    const artifacts = (await library.store.listArtifacts()).filter((artifact) => isLibraryKind(artifact.kind));
    const seen = new Set<string>();
    const moved: ArtifactRecord[] = [];
    let changed = 0;
    for (const artifact of artifacts) {
      seen.add(artifact.id);
      const current = this.#entries.get(artifact.id);
      if (current !== undefined && current.version.id === artifact.headVersionId) {
        // Status and counters change without a new version; refresh them in place.
        const before = current.artifact;
        const moved =
          before.status !== artifact.status ||
          before.uses !== artifact.uses ||
          before.successes !== artifact.successes ||
          before.helpful !== artifact.helpful ||
          before.harmful !== artifact.harmful;
        if (moved) {
          this.#entries.set(artifact.id, { ...current, status: artifact.status, artifact, utility: utilityScore(artifact) });
        }
        continue;
      }
      moved.push(artifact);
    }
    // Every new head is read in one bulk store call: one read per artifact took seconds at 10k items.
    const read = await library.entriesFor(moved);
    this.upsertAll(read);
    changed += read.length;
    for (const id of [...this.#entries.keys()]) {
      if (!seen.has(id)) {
        this.remove(id);
        changed += 1;
      }
    }
    return changed;
  }

  /**
   * Teaches retrieval from one outcome: the task's salient terms become (passed) or count against
   * (failed) triggers of the items it used. Stored as a new version of the learned triggers.
   */
  async learnFromOutcome(library: Library, outcome: { task: string; used: readonly string[]; passed: boolean }): Promise<TriggerVersion | undefined> {
    if (outcome.used.length === 0) return undefined;
    const terms = this.#lexical.outcomeTerms(outcome.task);
    const history = new TriggerHistory(library.store);
    const message = `${outcome.passed ? 'passed' : 'failed'}: ${outcome.task.slice(0, 120)}`;
    const itemTerms = new Map(outcome.used.map((id) => [id, this.#lexical.termsOf(id) ?? new Map<string, number>()]));
    const known = (id: string, term: string): boolean => itemTerms.get(id)?.has(term) ?? false;
    const version = await history.commit(message, (triggers) => triggers.learn({ terms, used: outcome.used, passed: outcome.passed, known }));
    this.#lexical.setLearnedTriggers(version.triggers);
    this.#triggerVersion = version.number;
    return version;
  }

  /** An entry's learned triggers, strongest first. */
  learnedTriggersOf(id: string): { term: string; weight: number }[] {
    return this.#lexical.learnedTriggers.triggersOf(id);
  }

  async #syncTriggers(history: TriggerHistory): Promise<void> {
    const head = await history.headNumber();
    if (head === this.#triggerVersion) return;
    this.#lexical.setLearnedTriggers((await history.version(head)).triggers);
    this.#triggerVersion = head;
  }

  /** Ranked entries for a query, best first. */
  async search(query: string, options: SearchOptions = {}): Promise<RetrievedItem[]> {
    const limit = options.limit ?? 20;
    const statuses = options.statuses ?? ['active'];
    const accept = (id: string): boolean => {
      if (this.#hidden.has(id)) return false;
      const entry = this.#entries.get(id);
      return entry !== undefined && statuses.includes(entry.status) && (options.kinds === undefined || options.kinds.includes(entry.kind));
    };
    // Over-fetch each list so fusion sees items that only one method ranks highly.
    const lexical = this.#lexical.search(query, { limit: limit * 2, accept });
    let ranked: ScoredId[] = lexical;
    if (this.#embedding !== undefined) {
      await this.#embedPending();
      const [queryVector] = (await this.#embedding.embed([query], { purpose: 'retrieve' })).embeddings;
      if (queryVector !== undefined && this.#vectors.size > 0) {
        const semantic = this.#vectors.search(queryVector, { limit: limit * 2, accept }).filter((item) => item.score > 0);
        ranked = this.#fusion === 'reciprocal-rank' ? reciprocalRankFusion([lexical, semantic]) : normalizedScoreFusion([lexical, semantic]);
      }
    }
    let hits = ranked.slice(0, limit).map((item) => this.#retrieved(item));
    if (options.rerank === true && this.#rerank !== undefined) {
      const reranked = await rerankWithModel(query, hits, this.#rerank);
      if (reranked.keptLexicalOrder !== undefined) this.#rerank.onKeptLexicalOrder?.(reranked.keptLexicalOrder);
      hits = reranked.items;
    }
    if (options.explain === true) {
      for (const hit of hits) hit.explanation = this.#lexical.explain(hit.id, query);
      hits.forEach((hit, position) => {
        const neighbour = hits[position === 0 ? 1 : position - 1];
        if (neighbour !== undefined) hit.distinguishing = distinguishingTerms(hit, neighbour);
      });
    }
    return hits;
  }

  /**
   * A private index that shows `entries` (new ones, or new content for existing ids) and hides
   * `hide`, leaving this one as it is: the gate tries a proposal on it without committing it,
   * while every other search of this index (another task, an MCP client) goes on seeing the
   * library as it is. It is built from this index's entries in the order this index added them,
   * the overlay's last, as committing them would, so it ranks as this index would after the commit.
   */
  withOverlay(overlay: { entries?: readonly LibraryEntry[]; hide?: readonly string[] }): LibraryIndex {
    const view = new LibraryIndex(this.#options);
    const replaced = new Map((overlay.entries ?? []).map((entry) => [entry.artifact.id, entry]));
    const unchanged = this.#lexical.ids().filter((id) => !replaced.has(id));
    const indexed = new Set(unchanged);
    // Entries the lexical index does not hold are none in practice; keep them in the view anyway.
    const rest = [...this.#entries.keys()].filter((id) => !indexed.has(id) && !replaced.has(id));
    view.upsertAll([...unchanged, ...rest].map((id) => this.#entries.get(id)!));
    view.upsertAll([...replaced.values()]);
    view.#vectors.copyFrom(this.#vectors, (id) => !replaced.has(id));
    view.#needsEmbedding.clear();
    if (this.#embedding !== undefined) {
      for (const id of this.#needsEmbedding) if (!replaced.has(id)) view.#needsEmbedding.add(id);
      for (const id of replaced.keys()) view.#needsEmbedding.add(id);
    }
    for (const id of [...this.#hidden, ...(overlay.hide ?? [])]) view.#hidden.add(id);
    view.#lexical.setLearnedTriggers(this.#lexical.learnedTriggers);
    view.#triggerVersion = this.#triggerVersion;
    return view;
  }

  /** Live entries of a kind as the agent would see them now (active, not hidden by withOverlay). */
  active(kind: LibraryKind): LibraryEntry[] {
    return [...this.#entries.values()].filter((entry) => entry.kind === kind && entry.status === 'active' && !this.#hidden.has(entry.artifact.id));
  }

  /** Adaptive selection under a hard token budget (see selectAdaptively). */
  async select(query: string, options: SelectOptions): Promise<Selection<RetrievedItem>> {
    const ranked = await this.search(query, { ...options, limit: Math.max(options.maxItems ?? 8, 8) * 3 });
    return selectAdaptively(ranked, options);
  }

  /** Whether vectors take part (an embedding client is configured). */
  get hybrid(): boolean {
    return this.#embedding !== undefined;
  }

  /** Embeds a text with the configured client (for curation); undefined without one. */
  async embedText(text: string): Promise<number[] | undefined> {
    if (this.#embedding === undefined) return undefined;
    return (await this.#embedding.embed([text], { purpose: 'curate' })).embeddings[0];
  }

  /** The vector of an entry, when embeddings are configured (for curation). */
  async vectorOf(id: string): Promise<Float32Array | undefined> {
    if (this.#embedding === undefined) return undefined;
    await this.#embedPending();
    return this.#vectors.get(id);
  }

  /**
   * Term frequencies of an entry's text fields as ranking indexes them (for lexical similarity in
   * curation: one index, one analysis, so curation and retrieval agree on what a word is).
   */
  termsOf(id: string): ReadonlyMap<string, number> | undefined {
    return this.#lexical.termsOf(id);
  }

  /** A text's terms, analysed as the index analyses items, with their frequencies. */
  termCounts(text: string): Map<string, number> {
    return this.#lexical.termCounts(text);
  }

  idf(term: string): number {
    return this.#lexical.idf(term);
  }

  entries(): LibraryEntry[] {
    return [...this.#entries.values()];
  }

  async #embedPending(): Promise<void> {
    if (this.#embedding === undefined || this.#needsEmbedding.size === 0) return;
    const ids = [...this.#needsEmbedding];
    const texts = ids.map((id) => {
      const entry = this.#entries.get(id)!;
      return searchableText(entry.kind, entry.name, entry.content);
    });
    const { embeddings } = await this.#embedding.embed(texts, { purpose: 'index' });
    ids.forEach((id, index) => {
      const vector = embeddings[index];
      if (vector !== undefined) this.#vectors.set(id, vector);
      this.#needsEmbedding.delete(id);
    });
  }

  #retrieved(item: ScoredId): RetrievedItem {
    const entry = this.#entries.get(item.id)!;
    const text = summaryText(entry.kind, entry.name, entry.content);
    return { id: item.id, score: item.score, entry, text, tokens: this.#countTokens(text) };
  }
}

/** Terms that matched `hit` (positively) and not `neighbour`. */
function distinguishingTerms(hit: RetrievedItem, neighbour: RetrievedItem): { from: string; terms: string[] } {
  const matched = (item: RetrievedItem): Set<string> => new Set((item.explanation ?? []).filter((match) => match.score > 0).map((match) => match.term));
  const theirs = matched(neighbour);
  return { from: neighbour.entry.name, terms: [...matched(hit)].filter((term) => !theirs.has(term)) };
}
