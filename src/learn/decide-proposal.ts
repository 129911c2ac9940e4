import { createHash } from 'node:crypto';
import { VersionConflictError } from '../core/errors.ts';
import type { JsonObject } from '../core/json.ts';
import type { Curator } from '../library/curate/curator.ts';
import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import { commitChange, completeLandedCommit, describeChange, overlayFor, planChange, type PlannedChange } from './apply-proposal.ts';
import { figuresToJson, type Gate, type GateFigures } from './gate.ts';
import type { LearnEvent, ProposalSummary } from './learn-events.ts';
import type { CommitIntent, LearnProgress, PlannedProposal, ProposalDecision } from './learn-progress.ts';
import type { Task } from './task-stream.ts';
import { checkToolTests } from './tool-check.ts';
import type { RecordedAttempt } from './training-data.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Deciding one proposal: tool tests, curation, the gate, then commit or reject, exactly once. A
 * commit that meets a version another learner committed meanwhile is planned and gated again on
 * the new head (up to `maxRegates` times), never written over it. The
 * decision is recorded in the run's progress, so a resumed run skips a decided proposal; an intent
 * row written just before the commit, and the proposal id the committed version carries, let a
 * resumed run recognise a commit that landed before the crash instead of making it again.
 */
export interface ProposalDeciderOptions {
  library: Library;
  index: LibraryIndex;
  curator: Curator;
  gate: Gate;
  progress: LearnProgress;
  emit: (event: LearnEvent) => void;
  /** Gate attempts made since the last call (drained into the decision). */
  takeGateAttempts: () => RecordedAttempt[];
}

/** How many times a proposal is gated again after a version conflict before it is rejected with the reason. */
export const maxRegates = 3;

export class ProposalDecider {
  readonly #options: ProposalDeciderOptions;

  constructor(options: ProposalDeciderOptions) {
    this.#options = options;
  }

  /** The proposal's decision: the recorded one if it was decided before, else decided now and recorded. */
  async decide(planned: PlannedProposal, heldOut: readonly Task[], taskId: string): Promise<ProposalDecision> {
    const { progress } = this.#options;
    const earlier = await progress.decision(planned.id);
    if (earlier !== undefined) return earlier;
    const intent = await progress.intent(planned.id);
    const recovered = intent === undefined ? undefined : await this.#recover(planned, intent, taskId);
    const decision = recovered ?? (await this.#decideNow(planned, heldOut, taskId));
    await progress.saveDecision(planned.id, decision);
    return decision;
  }

  /** A commit that landed before a crash: reported now, with the figures it was committed on. */
  async #recover(planned: PlannedProposal, intent: CommitIntent, taskId: string): Promise<ProposalDecision | undefined> {
    const { library, index, emit } = this.#options;
    const landed = await completeLandedCommit(library, intent, planned.id);
    if (landed === undefined) return undefined;
    await index.sync(library);
    const gate = landed.version.evaluation['gate'];
    const figures = (gate !== null && typeof gate === 'object' && !Array.isArray(gate) ? gate : {}) as unknown as GateFigures;
    const proposal: ProposalSummary = { op: intent.op, kind: intent.kind, name: intent.name, origin: planned.proposal.origin };
    emit({ type: 'proposal-committed', taskId, proposal, version: landed.version.number, figures, recovered: true });
    return { outcome: intent.op === 'add' && landed.version.number === 1 ? 'committed-new' : 'committed', version: landed.version.number, attempts: [] };
  }

  async #decideNow(planned: PlannedProposal, heldOut: readonly Task[], taskId: string): Promise<ProposalDecision> {
    const { library, index, curator, gate, progress, emit, takeGateAttempts } = this.#options;
    const { proposal } = planned;
    const decided = (outcome: ProposalDecision['outcome'], version?: number): ProposalDecision => ({
      outcome,
      ...definedOnly({ version }),
      attempts: takeGateAttempts(),
    });
    const summary: ProposalSummary = { op: proposal.op, kind: proposal.kind, name: proposal.name, origin: proposal.origin };
    if (proposal.kind === 'tool' && proposal.content !== undefined && proposal.op !== 'retire') {
      const tests = await checkToolTests(proposal.content as Parameters<typeof checkToolTests>[0]);
      if (!tests.passed) {
        const failed = tests.results.filter((result) => !result.passed).map((result) => `${result.name}: ${result.detail}`);
        emit({ type: 'proposal-rejected', taskId, proposal: summary, reason: 'the tool failed its tests in the sandbox', problems: failed });
        return decided('rejected');
      }
    }
    // A commit that meets a head another learner moved is planned and gated again on that head,
    // a bounded number of times: the proposal is judged against what it would now replace.
    for (let regates = 0; ; regates += 1) {
      await index.sync(library);
      const plan = await planChange(proposal, library, curator);
      if (plan.ok === false) {
        emit({ type: 'proposal-rejected', taskId, proposal: summary, reason: plan.reason });
        return decided('rejected');
      }
      if (plan.ok === 'unchanged') {
        emit({ type: 'proposal-unchanged', taskId, proposal: { ...summary, name: plan.target.name }, reason: plan.reason });
        return decided('unchanged');
      }
      const change = plan.change;
      const described = { ...describeChange(change), origin: proposal.origin };
      const figures = await gate.assess(overlayFor(change), heldOut, revision(index));
      if (!figures.accepted) {
        emit({ type: 'proposal-rejected', taskId, proposal: described, reason: figures.reason, figures });
        return decided('rejected');
      }
      await progress.saveIntent(planned.id, intentFor(change));
      try {
        const evaluation: JsonObject = {
          gate: figuresToJson(figures),
          origin: proposal.origin,
          rationale: proposal.rationale,
          taskId,
          findings: planned.findings,
          runId: progress.runId,
          proposalId: planned.id,
          ...(regates === 0 ? {} : { regatedAfterConflicts: regates }),
        };
        const message = `${described.op} ${proposal.kind} ${described.name} (${proposal.origin} of ${taskId})`;
        const committed = await commitChange(library, change, { message, trajectoryIds: planned.trajectoryIds, evaluation });
        await index.sync(library);
        if (!committed.changed) {
          emit({ type: 'proposal-unchanged', taskId, proposal: described, reason: `the content equals the head of ${change.kind} ${described.name} (v${committed.entry.version.number})` });
          return decided('unchanged');
        }
        emit({ type: 'proposal-committed', taskId, proposal: described, version: committed.entry.version.number, figures });
        return decided(change.op === 'add' ? 'committed-new' : 'committed', committed.entry.version.number);
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (regates >= maxRegates) {
          // The head kept moving under this proposal: report it, never overwrite the other writers.
          const reason = `conflict: ${error.message} (gated again ${maxRegates} times on newer heads, which kept moving)`;
          emit({ type: 'proposal-rejected', taskId, proposal: described, reason, figures });
          return decided('rejected');
        }
        emit({ type: 'proposal-regated', taskId, proposal: described, reason: `conflict: ${error.message}`, attempt: regates + 1 });
      }
    }
  }
}

function intentFor(change: PlannedChange): CommitIntent {
  const described = describeChange(change);
  return {
    op: change.op,
    kind: change.kind,
    name: described.name,
    sources: change.op === 'merge' ? change.sources.map((source) => source.name) : [],
  };
}

/** Identifies the library's state: any commit, rollback or status change gives a new value. */
function revision(index: LibraryIndex): string {
  const state = index
    .entries()
    .map((entry) => `${entry.artifact.id}:${entry.version.id}:${entry.status}`)
    .sort()
    .join('|');
  return createHash('sha256').update(state).digest('hex');
}
