import { StoreError } from '../core/errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json.ts';
import type { UsageTotals } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { CascadeRecord } from './cascade-attempt.ts';
import type { AttemptSummary } from './consolidate.ts';
import type { CurvePoint } from './learn-events.ts';
import type { LibraryProposal } from './proposals.ts';
import type { StepFailure } from './step-failure.ts';
import type { RecordedAttempt } from './training-data.ts';
import type { Verdict } from './verdict.ts';

/**
 * What a learn run keeps so that `lamarck learn --resume` continues after a crash or `kill -9`
 * without redoing finished work or committing anything twice. Each record is one `putState` row,
 * written once its work is done, so every row is whole or absent:
 *
 * - `task:<id>`: a finished task (its curve point, attempts, the consolidation window after it);
 * - `pending:<id>`: a task whose attempt, verdict and reflection are done, with its proposals;
 * - `intent:<proposal>`: written just before a commit (which artifact it will change);
 * - `decision:<proposal>`: written just after a proposal is committed, rejected or found unchanged;
 * - `usage`: the model usage so far, so budgets count what the killed process spent.
 *
 * A commit lands in the store with the proposal's id in its version's `evaluation.proposalId`.
 * The one gap a kill can fall in is between that commit and its decision row; the intent row says
 * where to look, and a version carrying the id proves the commit landed.
 */
export const learnProgressVersion = 1;

export interface FinishedTask {
  point: CurvePoint;
  attempts: RecordedAttempt[];
  /** The consolidation window after this task. */
  recent: AttemptSummary[];
}

/** A proposal with the id that makes its commit idempotent. */
export interface PlannedProposal {
  /** `<run>:<task>#<n>`: unique in the store, recorded in the committed version's evaluation. */
  id: string;
  proposal: LibraryProposal;
  trajectoryIds: string[];
  findings: JsonObject;
}

/** The use of a library item by the attempt, as it is counted on the artifact. */
export interface ArtifactUse {
  kind: 'skill' | 'lesson' | 'guardrail' | 'tool';
  name: string;
  success: boolean;
  helpful: boolean;
  harmful: boolean;
}

export interface PendingTask {
  verdict: Verdict;
  answer: string | null;
  trajectoryId: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  tokensInjected: number;
  /** The meter's cost before the task started (for the task's learning cost). */
  costBefore: number;
  uses: ArtifactUse[];
  /** False until the uses are counted on the artifacts (a kill in between may count them again). */
  usesRecorded: boolean;
  proposals: PlannedProposal[];
  /** Proposals refused before planning (invalid ones from the model), already reported. */
  refused: number;
  failures: StepFailure[];
  attempts: RecordedAttempt[];
  recent: AttemptSummary[];
  /** How the model cascade handled the attempt, when the run has one (an optional field, so version 1 records still read). */
  cascade?: CascadeRecord;
}

export type DecisionOutcome = 'committed-new' | 'committed' | 'rejected' | 'unchanged';

export interface ProposalDecision {
  outcome: DecisionOutcome;
  /** The version committed, for a commit. */
  version?: number;
  /** Attempts the gate made for this proposal (training data). */
  attempts: RecordedAttempt[];
}

export interface CommitIntent {
  op: 'add' | 'update' | 'merge' | 'retire';
  kind: 'skill' | 'lesson' | 'guardrail' | 'tool';
  /** The artifact the commit writes to (after curation: the merge target for a folded add). */
  name: string;
  /** Artifacts a merge retires. */
  sources: string[];
}

export interface LearnProgress {
  /** The run the records belong to (part of every proposal id). */
  readonly runId: string;
  finished(taskId: string): Promise<FinishedTask | undefined>;
  saveFinished(taskId: string, record: FinishedTask): Promise<void>;
  pending(taskId: string): Promise<PendingTask | undefined>;
  savePending(taskId: string, record: PendingTask): Promise<void>;
  intent(proposalId: string): Promise<CommitIntent | undefined>;
  saveIntent(proposalId: string, intent: CommitIntent): Promise<void>;
  decision(proposalId: string): Promise<ProposalDecision | undefined>;
  saveDecision(proposalId: string, decision: ProposalDecision): Promise<void>;
  usage(): Promise<UsageTotals | undefined>;
  saveUsage(totals: UsageTotals): Promise<void>;
}

export function learnProgressScope(runId: string): string {
  return `learn:${runId}`;
}

/** Progress kept in the store, so another process can resume the run. */
export function storeLearnProgress(store: Store, runId: string): LearnProgress {
  const scope = learnProgressScope(runId);
  return progressOver(runId, {
    read: (key) => store.getState(scope, key),
    write: (key, value) => store.putState(scope, key, value),
  });
}

/** Progress kept in this process only (a library caller that does not resume). */
export function memoryLearnProgress(runId: string): LearnProgress {
  const rows = new Map<string, string>();
  return progressOver(runId, {
    read: async (key) => {
      const text = rows.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    },
    write: async (key, value) => {
      rows.set(key, JSON.stringify(value));
    },
  });
}

interface Rows {
  read(key: string): Promise<JsonValue | undefined>;
  write(key: string, value: JsonValue): Promise<void>;
}

function progressOver(runId: string, rows: Rows): LearnProgress {
  const read = async <T>(key: string, fields: readonly (keyof T & string)[]): Promise<T | undefined> => {
    const value = await rows.read(key);
    if (value === undefined || value === null) return undefined;
    const record = isJsonObject(value) ? value['record'] : undefined;
    // Rows are only ever written whole by this module; one that does not read back is damage,
    // and guessing past it could commit a proposal twice, so the run stops and says which row.
    if (!isJsonObject(value) || value['version'] !== learnProgressVersion || !isJsonObject(record) || fields.some((field) => !(field in record))) {
      throw new StoreError(`the learn run ${runId} has a damaged progress record "${key}"; it cannot be resumed safely`, { code: 'learn-progress-damaged' });
    }
    return record as unknown as T;
  };
  const write = (key: string, record: object): Promise<void> =>
    rows.write(key, { version: learnProgressVersion, record: JSON.parse(JSON.stringify(record)) as JsonValue });
  return {
    runId,
    finished: (taskId) => read<FinishedTask>(`task:${taskId}`, ['point', 'attempts', 'recent']),
    saveFinished: (taskId, record) => write(`task:${taskId}`, record),
    pending: (taskId) => read<PendingTask>(`pending:${taskId}`, ['verdict', 'proposals', 'uses', 'usesRecorded', 'failures', 'attempts', 'recent']),
    savePending: (taskId, record) => write(`pending:${taskId}`, record),
    intent: (proposalId) => read<CommitIntent>(`intent:${proposalId}`, ['op', 'kind', 'name', 'sources']),
    saveIntent: (proposalId, intent) => write(`intent:${proposalId}`, intent),
    decision: (proposalId) => read<ProposalDecision>(`decision:${proposalId}`, ['outcome', 'attempts']),
    saveDecision: (proposalId, decision) => write(`decision:${proposalId}`, decision),
    usage: () => read<UsageTotals>('usage', ['calls', 'inputTokens', 'outputTokens', 'costUsd', 'byModel']),
    saveUsage: (totals) => write('usage', totals),
  };
}
