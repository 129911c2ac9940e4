import { z } from 'zod';
import { BudgetExceededError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import type { EmbeddingClient, LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { ProgramDatabase } from './database/program-database.ts';
import { normalizeCode } from './database/normalize-code.ts';
import { estimateSimilarity, exactSimilarity, type TextFingerprint } from './database/text-fingerprint.ts';
import { changedRegion, regionSimilarity } from './changed-region.ts';

/**
 * The novelty gate, run before a child is evaluated. Every rejection here is a model call or an
 * evaluator slot that bought nothing, so it rejects only what is truly not new:
 * - a child identical to its parent or to any program held, failed or waiting for evaluation,
 *   also after normalising whitespace and comments, is always rejected (the stored result stands);
 * - with text similarity alone, only the region the child changed is compared: a child is a
 *   near-duplicate when another program (never its own parent, which differs from it by
 *   construction) already holds that change. A one-literal edit to the parent is therefore new;
 * - with an embedding model, whole-program cosine to the closest look-alikes decides, and an LLM
 *   judge, when configured, may still call a near-duplicate meaningfully new (as ShinkaEvolve does).
 * The threshold tightens while an island stagnates: a stuck island should try something else.
 */
export interface NoveltySettings {
  /** Similarity at or above which a child is too close (Jaccard of token 3-shingles, or cosine). */
  threshold: number;
  /** Operators whose children skip the near-duplicate test (exact duplicates are still rejected):
   * numeric tuning changes only literals, which text similarity cannot tell apart. */
  exemptOperators: string[];
  /** Look-alikes compared exactly per child. */
  maxComparisons: number;
  /** Checks without a new island best after which the threshold has tightened fully. */
  stagnationWindow: number;
  /** How far the threshold drops at full stagnation. */
  stagnationTightening: number;
}

export const defaultNovelty: NoveltySettings = {
  threshold: 0.97,
  exemptOperators: ['numeric-tune'],
  maxComparisons: 3,
  stagnationWindow: 30,
  stagnationTightening: 0.1,
};

export type NoveltyVerdict =
  | { novel: true; closestSimilarity: number }
  | { novel: false; reason: string; similarTo: string | null; similarity: number };

export interface NoveltyCheck {
  childText: string;
  fingerprint: TextFingerprint;
  parentId: string;
  parentText: string;
  island: number;
  operator: string;
  /** Content hashes of children proposed but not yet recorded. */
  pendingHashes: ReadonlySet<number>;
  signal?: AbortSignal;
}

const judgeSchema = z.object({
  novel: z.boolean().describe('true if the new program is a meaningfully different approach or change'),
  reason: z.string().describe('one sentence'),
});

export class NoveltyFilter {
  private readonly database: ProgramDatabase;
  private readonly loadText: (programId: string) => Promise<string | undefined>;
  private readonly settings: NoveltySettings;
  private readonly embeddings: EmbeddingClient | undefined;
  private readonly judge: LanguageModelClient | undefined;
  private readonly meter: UsageMeter | undefined;
  private readonly embeddingCache = new Map<string, number[]>();
  /** Content hashes of programs that failed evaluation (they are not in the database, but re-running them is waste). */
  private readonly failedHashes = new Map<number, string>();
  /** Per island: the best program last seen and the checks since it changed. */
  private readonly islandProgress = new Map<number, { bestId: string | undefined; checksSince: number }>();

  constructor(options: {
    database: ProgramDatabase;
    loadText: (programId: string) => Promise<string | undefined>;
    settings?: Partial<NoveltySettings>;
    embeddings?: EmbeddingClient;
    judge?: LanguageModelClient;
    meter?: UsageMeter;
  }) {
    this.database = options.database;
    this.loadText = options.loadText;
    this.settings = { ...defaultNovelty, ...options.settings };
    this.embeddings = options.embeddings;
    this.judge = options.judge;
    this.meter = options.meter;
  }

  /** Per island: [island, best program id, checks since it changed] (kept in the checkpoint). */
  saveState(): JsonValue {
    return [...this.islandProgress.entries()].map(([island, progress]) => [island, progress.bestId ?? null, progress.checksSince]);
  }

  restoreState(state: JsonValue): void {
    if (!Array.isArray(state)) return;
    this.islandProgress.clear();
    for (const entry of state) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[2] !== 'number') continue;
      this.islandProgress.set(entry[0], { bestId: typeof entry[1] === 'string' ? entry[1] : undefined, checksSince: entry[2] });
    }
  }

  /** Remembers a failed program so an identical child is not evaluated again. */
  rememberFailure(contentHash: number, programId: string): void {
    this.failedHashes.set(contentHash, programId);
  }

  async check(check: NoveltyCheck): Promise<NoveltyVerdict> {
    const childCode = normalizeCode(check.childText);
    if (check.childText === check.parentText) {
      return { novel: false, reason: 'identical to its parent', similarTo: check.parentId, similarity: 1 };
    }
    if (childCode === normalizeCode(check.parentText)) {
      return { novel: false, reason: 'identical to its parent apart from whitespace and comments', similarTo: check.parentId, similarity: 1 };
    }
    if (check.pendingHashes.has(check.fingerprint.contentHash)) {
      return { novel: false, reason: 'identical to a candidate already waiting for evaluation', similarTo: null, similarity: 1 };
    }
    const duplicate = await this.findExactDuplicate(check, childCode);
    if (duplicate !== undefined) {
      return { novel: false, reason: `identical to program ${duplicate}, whose result stands`, similarTo: duplicate, similarity: 1 };
    }
    const threshold = this.thresholdFor(check.island);
    if (this.settings.exemptOperators.includes(check.operator)) return { novel: true, closestSimilarity: 0 };

    const island = this.database.island(check.island);
    const changed = this.embeddings === undefined ? changedRegion(check.parentText, check.childText) : undefined;
    const lookAlikes = island.similarity
      .candidates(check.fingerprint)
      .filter((placement) => changed === undefined || placement.info.id !== check.parentId)
      .map((placement) => ({ id: placement.info.id, estimate: estimateSimilarity(placement.info.fingerprint.signature, check.fingerprint.signature) }))
      // MinHash with 32 values estimates to about ±0.1; compare exactly only plausible look-alikes.
      .filter((candidate) => candidate.estimate >= threshold - 0.2)
      .sort((first, second) => second.estimate - first.estimate)
      .slice(0, this.settings.maxComparisons);
    let closest = { id: null as string | null, similarity: 0 };
    for (const candidate of lookAlikes) {
      const text = await this.loadText(candidate.id);
      if (text === undefined) continue;
      const similarity = changed === undefined ? await this.similarity(check, candidate.id, text) : regionSimilarity(changed, check.childText, text);
      if (similarity > closest.similarity) closest = { id: candidate.id, similarity };
    }
    if (closest.similarity < threshold) return { novel: true, closestSimilarity: closest.similarity };
    if (this.judge !== undefined && closest.id !== null) {
      const verdict = await this.askJudge(check, closest.id);
      if (verdict?.novel === true) return { novel: true, closestSimilarity: closest.similarity };
    }
    const measure = changed === undefined ? 'similarity' : 'of its change already there';
    return {
      novel: false,
      reason: `too similar to program ${closest.id ?? '?'} (${closest.similarity.toFixed(3)} ${measure} ≥ ${threshold.toFixed(3)})`,
      similarTo: closest.id,
      similarity: closest.similarity,
    };
  }

  /** The island's threshold: the configured one, lowered linearly while its best stays the same. */
  private thresholdFor(islandIndex: number): number {
    const bestId = this.database.island(islandIndex).best()?.info.id;
    const progress = this.islandProgress.get(islandIndex);
    if (progress === undefined || progress.bestId !== bestId) {
      this.islandProgress.set(islandIndex, { bestId, checksSince: 0 });
      return this.settings.threshold;
    }
    progress.checksSince += 1;
    const stagnation = Math.min(1, progress.checksSince / Math.max(1, this.settings.stagnationWindow));
    return this.settings.threshold - this.settings.stagnationTightening * stagnation;
  }

  private async findExactDuplicate(check: NoveltyCheck, childCode: string): Promise<string | undefined> {
    const sameCode = (text: string | undefined): boolean => text !== undefined && (text === check.childText || normalizeCode(text) === childCode);
    const failed = this.failedHashes.get(check.fingerprint.contentHash);
    if (failed !== undefined && sameCode(await this.loadText(failed))) return failed;
    for (const island of this.database.islands) {
      for (const placement of island.similarity.sameContent(check.fingerprint.contentHash)) {
        // The hash is 52 bits; confirm against the stored code before calling it a duplicate.
        if (sameCode(await this.loadText(placement.info.id))) return placement.info.id;
      }
    }
    return undefined;
  }

  private async similarity(check: NoveltyCheck, otherId: string, otherText: string): Promise<number> {
    if (this.embeddings === undefined) return exactSimilarity(check.childText, otherText);
    const cached = this.embeddingCache.get(otherId);
    const texts = cached === undefined ? [check.childText, otherText] : [check.childText];
    const { embeddings, usage } = await this.embeddings.embed(texts, { ...(check.signal ? { signal: check.signal } : {}), purpose: 'novelty' });
    this.meter?.record(this.embeddings.spec, usage, 'novelty');
    const other = cached ?? embeddings[1]!;
    if (cached === undefined) this.remember(otherId, other);
    return cosine(embeddings[0]!, other);
  }

  private remember(programId: string, vector: number[]): void {
    this.embeddingCache.set(programId, vector);
    // Bounded: the cache only saves repeated embedding calls for popular look-alikes.
    if (this.embeddingCache.size > 512) this.embeddingCache.delete(this.embeddingCache.keys().next().value!);
  }

  private async askJudge(check: NoveltyCheck, otherId: string): Promise<{ novel: boolean } | undefined> {
    const otherText = await this.loadText(otherId);
    if (otherText === undefined || this.judge === undefined) return undefined;
    try {
      const result = await this.judge.generateObject({
        schema: judgeSchema,
        schemaName: 'novelty_verdict',
        purpose: 'novelty-judge',
        ...(this.meter ? { meter: this.meter } : {}),
        ...(check.signal ? { signal: check.signal } : {}),
        system: 'You judge whether a new candidate program is meaningfully different from an existing one.',
        prompt: `Existing program:\n\`\`\`\n${otherText.slice(0, 12_000)}\n\`\`\`\n\nNew candidate:\n\`\`\`\n${check.childText.slice(0, 12_000)}\n\`\`\`\n\nIs the candidate a meaningfully different program (a new idea, not a cosmetic or trivial change)?`,
      });
      return result.object;
    } catch (error) {
      if (error instanceof BudgetExceededError) throw error;
      // A judge that fails leaves the similarity verdict standing.
      return undefined;
    }
  }
}

export function cosine(first: readonly number[], second: readonly number[]): number {
  let dot = 0;
  let firstNorm = 0;
  let secondNorm = 0;
  for (let index = 0; index < Math.min(first.length, second.length); index += 1) {
    dot += first[index]! * second[index]!;
    firstNorm += first[index]! ** 2;
    secondNorm += second[index]! ** 2;
  }
  if (firstNorm === 0 || secondNorm === 0) return 0;
  return dot / Math.sqrt(firstNorm * secondNorm);
}
