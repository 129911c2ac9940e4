import type { CascadeRecord } from './cascade-attempt.ts';
import type { GateFigures } from './gate.ts';
import type { StepFailure } from './step-failure.ts';
import type { Verdict } from './verdict.ts';

/** One point of the learning curves, per task. */
export interface CurvePoint {
  index: number;
  taskId: string;
  passed: boolean;
  score: number;
  verdictSource: Verdict['source'];
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Tokens of skills and lessons put in the prompt. */
  tokensInjected: number;
  /** Live (active or candidate) artifacts after the task. */
  librarySize: number;
  /** Artifacts added by this task's commits: the convergence measure (it falls as learning saturates). */
  newArtifacts: number;
  committed: number;
  rejected: number;
  /** Proposals whose content equals the head's: no version, no commit. */
  unchanged: number;
  /** Steps of this task that failed (a malformed reflection, critic or consolidation reply), with why. */
  failures: StepFailure[];
  /** Model cost of reflection, judging and gating for this task. */
  learningCostUsd: number;
  /** Which model of the cascade answered, and why it escalated (runs with a cascade only). */
  cascade?: CascadeRecord;
  /** A task `lamarck curriculum` wrote (tagged `self-generated`). */
  selfGenerated?: true;
  /** The library gap a self-generated task was written for (`failures-<kind>`, `skill-<name>`). */
  gap?: string;
}

export interface ProposalSummary {
  op: string;
  kind: string;
  name: string;
  origin: string;
}

export type LearnEvent =
  | { type: 'task-started'; index: number; taskId: string }
  | { type: 'task-judged'; taskId: string; verdict: Verdict; answer: string | null }
  /** A task a killed run had started: its attempt and reflection are reused, decided proposals skipped. */
  | { type: 'task-resumed'; taskId: string; decided: number; proposals: number }
  | { type: 'step-failed'; taskId: string; failure: StepFailure }
  | { type: 'reflected'; taskId: string; proposals: number; invalid: number; ignoredTags: string[] }
  | { type: 'proposal-rejected'; taskId: string; proposal: ProposalSummary | null; reason: string; figures?: GateFigures; problems?: string[] }
  /** `recovered`: the commit landed just before the previous process died, and a resumed run found it. */
  | { type: 'proposal-committed'; taskId: string; proposal: ProposalSummary; version: number; figures: GateFigures; recovered?: boolean }
  /**
   * Another learner committed to the artifact between this proposal's gate and its commit: the
   * proposal is planned and gated again on the new head (`attempt` counts the re-gates).
   */
  | { type: 'proposal-regated'; taskId: string; proposal: ProposalSummary; reason: string; attempt: number }
  /** The change would write what the head already holds: not a version, not a commit. */
  | { type: 'proposal-unchanged'; taskId: string; proposal: ProposalSummary; reason: string }
  | { type: 'artifact-retired'; taskId: string; kind: string; name: string; reason: string }
  | { type: 'consolidation-finished'; taskId: string; groups: number; proposals: number }
  | { type: 'task-finished'; point: CurvePoint };
