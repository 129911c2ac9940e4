import { z } from 'zod';
import { BudgetExceededError } from '../core/errors.ts';
import type { EmbeddingClient, LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { ProgramDatabase } from './database/program-database.ts';
import { estimateSimilarity, exactSimilarity, type TextFingerprint } from './database/text-fingerprint.ts';

/**
 * The novelty gate, run before a child is evaluated. A child identical to its parent or to any
 * program held (or already waiting for evaluation) is always rejected. Otherwise the island's
 * similarity index proposes look-alikes, the closest few are compared exactly (token-shingle
 * Jaccard, or embedding cosine when an EmbeddingClient is configured), and a child at or above
 * the threshold is rejected, unless an LLM judge, when configured, says it is meaningfully new.
 */
export interface NoveltySettings {
  /** Similarity at or above which a child is too close (Jaccard of token 3-shingles, or cosine). */
  threshold: number;
  /** Operators whose children skip the near-duplicate test (exact duplicates are still rejected):
   * numeric tuning changes only literals, which text similarity cannot tell apart. */
  exemptOperators: string[];
  /** Look-alikes compared exactly per child. */
  maxComparisons: number;
}

export const defaultNovelty: NoveltySettings = { threshold: 0.97, exemptOperators: ['numeric-tune'], maxComparisons: 3 };

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

  /** Remembers a failed program so an identical child is not evaluated again. */
  rememberFailure(contentHash: number, programId: string): void {
    this.failedHashes.set(contentHash, programId);
  }

  async check(check: NoveltyCheck): Promise<NoveltyVerdict> {
    if (check.childText === check.parentText) {
      return { novel: false, reason: 'identical to its parent', similarTo: check.parentId, similarity: 1 };
    }
    if (check.pendingHashes.has(check.fingerprint.contentHash)) {
      return { novel: false, reason: 'identical to a candidate already waiting for evaluation', similarTo: null, similarity: 1 };
    }
    const duplicate = await this.findExactDuplicate(check);
    if (duplicate !== undefined) {
      return { novel: false, reason: `identical to program ${duplicate}`, similarTo: duplicate, similarity: 1 };
    }
    if (this.settings.exemptOperators.includes(check.operator)) return { novel: true, closestSimilarity: 0 };

    const island = this.database.island(check.island);
    const lookAlikes = island.similarity
      .candidates(check.fingerprint)
      .map((placement) => ({ id: placement.info.id, estimate: estimateSimilarity(placement.info.fingerprint.signature, check.fingerprint.signature) }))
      // MinHash with 32 values estimates to about ±0.1; compare exactly only plausible look-alikes.
      .filter((candidate) => candidate.estimate >= this.settings.threshold - 0.2)
      .sort((first, second) => second.estimate - first.estimate)
      .slice(0, this.settings.maxComparisons);
    let closest = { id: null as string | null, similarity: 0 };
    for (const candidate of lookAlikes) {
      const text = await this.loadText(candidate.id);
      if (text === undefined) continue;
      const similarity = await this.similarity(check, candidate.id, text);
      if (similarity > closest.similarity) closest = { id: candidate.id, similarity };
    }
    if (closest.similarity < this.settings.threshold) return { novel: true, closestSimilarity: closest.similarity };
    if (this.judge !== undefined && closest.id !== null) {
      const verdict = await this.askJudge(check, closest.id);
      if (verdict?.novel === true) return { novel: true, closestSimilarity: closest.similarity };
    }
    return {
      novel: false,
      reason: `too similar to program ${closest.id ?? '?'} (${closest.similarity.toFixed(3)} ≥ ${this.settings.threshold})`,
      similarTo: closest.id,
      similarity: closest.similarity,
    };
  }

  private async findExactDuplicate(check: NoveltyCheck): Promise<string | undefined> {
    const failed = this.failedHashes.get(check.fingerprint.contentHash);
    if (failed !== undefined && (await this.loadText(failed)) === check.childText) return failed;
    for (const island of this.database.islands) {
      for (const placement of island.similarity.sameContent(check.fingerprint.contentHash)) {
        // The hash is 52 bits; confirm against the stored code before calling it a duplicate.
        const text = await this.loadText(placement.info.id);
        if (text === check.childText) return placement.info.id;
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
