import type { LanguageModelClient } from '../../model/types.ts';
import type { Clock } from '../../core/clock.ts';
import type { EventChannel } from '../../core/event-channel.ts';
import type { EmbeddingClient, UsageMeter } from '../../model/types.ts';
import type { Store } from '../../store/types.ts';
import type { TextFingerprint } from '../database/text-fingerprint.ts';
import type { Evaluator, Operator, Problem, ProgramSnapshot, CandidateProposal } from '../types.ts';
import type { AttemptBase } from './attempt-record.ts';
import type { InsightsRefresher, ModelChooser } from './collaborators.ts';
import type { EngineSettings } from './engine-settings.ts';
import type { EvolveEvent } from './events.ts';
import type { ProposalCascade, ProposalRouteBook } from './proposal-routes.ts';
import type { PendingRepair } from './repair-queue.ts';

/** What an EvolutionEngine is built from (evolve.ts assembles it), and what one attempt carries from proposal to evaluation. */
export interface EngineOptions {
  runId: string;
  problem: Problem;
  store: Store;
  evaluator: Evaluator;
  operators: readonly Operator[];
  chooser?: ModelChooser | undefined;
  /** The strong model of a cascade: asked again when the chosen model's reply cannot be used (escalate-proposal.ts). */
  escalateTo?: LanguageModelClient | undefined;
  /** Where the cascade's per-operator routes are kept between runs (the library); without it a run starts every operator cheap-first and keeps what it learns to itself. */
  routeBook?: ProposalRouteBook | undefined;
  insights?: InsightsRefresher | undefined;
  embeddings?: EmbeddingClient | undefined;
  meter: UsageMeter;
  settings: EngineSettings;
  limits: { iterations?: number | undefined; wallTimeMs?: number | undefined };
  /** A seed makes the run reproducible with any number of evaluation slots (results are applied in attempt order). */
  seed: number | null;
  channel: EventChannel<EvolveEvent>;
  clock?: Clock;
  resume: boolean;
}

/** What every attempt carries from its proposal to the application of its result. */
interface AttemptCandidate {
  base: AttemptBase;
  parent: ProgramSnapshot;
  operator: Operator;
  iteration: number;
  /** The pending child this candidate repairs, if it is such a repair. */
  repairOf: PendingRepair | null;
  /** With a strong model to escalate to: which model of the cascade made the proposal, and what each cost. */
  cascade?: ProposalCascade | undefined;
}

/** A novel child: evaluated, then applied. */
export interface EvaluationCandidate extends AttemptCandidate {
  kind: 'evaluate';
  proposal: CandidateProposal;
  fingerprint: TextFingerprint;
}

/**
 * A proposal that ended before evaluation (not novel, did not apply, the model failed): nothing to
 * evaluate, but a seeded run still records it in its turn, so the store holds attempts in attempt order.
 */
export interface RejectedCandidate extends AttemptCandidate {
  kind: 'rejected';
  outcome: { status: 'rejected' | 'failed'; files: Record<string, string>; proposal: CandidateProposal | null };
  failure: { kind: string; message: string };
  /** Why the proposal did not apply, remembered for the parent's next prompt once recorded. */
  applyFailure: string | null;
}

export type Candidate = EvaluationCandidate | RejectedCandidate;
