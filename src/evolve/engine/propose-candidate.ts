import { definedOnly } from '../../core/defined-only.ts';
import type { LanguageModelClient } from '../../model/types.ts';
import type { PendingRepair } from './repair-queue.ts';
import { Random } from '../../core/random.ts';
import { fingerprintText } from '../database/text-fingerprint.ts';
import { failingCasesOf } from '../operators/reflective-cases.ts';
import { selectInspirations } from '../select-inspirations.ts';
import { selectParent, type ParentChoice } from '../select-parent.ts';
import type { CandidateProposal } from '../types.ts';
import { finishRepair } from './apply-outcome.ts';
import { proposeWithEscalation, type EscalationSpent } from './escalate-proposal.ts';
import type { ProposalCascade } from './proposal-routes.ts';
import { classifyProposalError, spentProposal, type AttemptBase } from './attempt-record.ts';
import type { EngineContext } from './engine-context.ts';
import type { Candidate, RejectedCandidate } from './engine-options.ts';
import type { EvolveStopReason } from './events.ts';
import { chooseOperator, needsFeedback, needsSecondParent, secondParentCandidates } from './operator-choice.ts';
import { toSnapshot } from './program-loader.ts';
import { programSizeProblem } from './program-size.ts';

/**
 * The proposal phase of one attempt: choose the parent (a child waiting for its repair first, then
 * a tuning-burst step, then the selection policy), its inspirations, the operator and the model;
 * ask the operator for a child; check that the child is within its size cap and novel. Every random
 * draw happens before the operator's call, so a seeded run (which proposes one candidate at a time)
 * draws in attempt order whatever finishes first. Returns the candidate to evaluate, a rejected one to record in its turn, or undefined when
 * nothing is to be recorded (the run stopped, the parent vanished).
 */
export async function proposeCandidate(context: EngineContext, iteration: number): Promise<Candidate | undefined> {
  const { options, database, loader } = context;
  const { runId, problem, settings } = options;
  // A seeded run reads insights only once the refresh started by an earlier result has ended, whenever that is.
  if (context.ordered) await context.insightsSchedule.settled();
  // A failed child waiting for its repair goes first, on its own island.
  const repairOf = context.canRepair ? (context.repairs.next() ?? null) : null;
  const islandIndex = repairOf?.island ?? (iteration - 1) % database.islands.length;
  // A hybrid burst step tunes a model child that just became its island's best (see tuning-bursts.ts).
  const burst = repairOf === null && context.tuner !== undefined ? nextBurstStep(context) : undefined;
  const choice: ParentChoice | undefined =
    repairOf !== null
      ? { kind: 'fix', programId: repairOf.id, failed: true }
      : burst !== undefined
        ? { kind: 'burst', programId: burst.programId, failed: false }
        : chooseParent(context, islandIndex);
  if (choice === undefined) {
    context.requestStop('no-candidates', 'no program to select a parent from');
    return undefined;
  }
  // Read before the operator is chosen: a reflective operator needs the failing cases its evaluation
  // reported. A seeded run proposes one at a time, so this await cannot reorder its draws.
  const parentRecord = await loader.get(choice.programId);
  const failingCases = parentRecord === undefined || choice.failed ? undefined : failingCasesOf(parentRecord.artifacts, settings.reflection);
  const inspirationIds = choice.failed
    ? []
    : selectInspirations({ database, island: islandIndex, parentId: choice.programId, random: context.random, settings: settings.inspirations });
  const partners = secondParentCandidates(database, choice.programId, islandIndex);
  const offers = { hasPartner: partners.length > 0, hasFeedback: failingCases !== undefined };
  const operator = burst !== undefined ? context.tuner! : chooseOperator(context.eligibleOperators, settings.operatorWeights, context.random, choice, offers, context.operatorMix);
  const chosen = operator.needsModel ? options.chooser?.choose(context.random) : undefined;
  const operatorRandom = new Random(context.random.integer(0x100000000));
  const otherParentId = needsSecondParent(operator) ? partners[context.random.integer(partners.length)] : undefined;
  database.noteChild(choice.programId);
  const previousFailure = context.applyFailures.get(choice.programId);
  context.applyFailures.delete(choice.programId);

  if (parentRecord === undefined) {
    if (repairOf !== null) finishRepair(context, repairOf, null, false, iteration);
    return undefined;
  }
  const parent = toSnapshot(parentRecord);
  const inspirations = (await Promise.all(inspirationIds.map((id) => loader.get(id)))).filter((record) => record !== undefined).map((record) => toSnapshot(record));
  const otherRecord = otherParentId === undefined ? undefined : await loader.get(otherParentId);
  // The cascade may hand the proposal to the strong model at once (after every draw, so the random stream is the same either way).
  const strongReason = strongAtOnce(context, chosen, operator.name, repairOf, parentRecord.model);
  const model = strongReason === undefined ? chosen : options.escalateTo;
  const began = context.clock.now();
  const base: AttemptBase = {
    id: context.programId(iteration),
    runId,
    parentId: parent.id,
    inspirationIds,
    island: islandIndex,
    generation: parent.generation + 1,
    operator: operator.name,
    model: model?.spec ?? null,
    proposeMs: 0,
    createdAt: began,
  };
  context.emit({ type: 'candidate-proposed', runId, iteration, parentId: parent.id, island: islandIndex, operator: operator.name, model: base.model, draw: choice.kind });
  const attempt: { base: AttemptBase; parent: typeof parent; operator: typeof operator; iteration: number; repairOf: typeof repairOf; cascade?: ProposalCascade | undefined } = { base, parent, operator, iteration, repairOf };
  const spent: EscalationSpent = { escalated: false, firstCostUsd: 0 };
  const cascadeOf = (costUsd: number): ProposalCascade | undefined => {
    if (context.routes === undefined || model === undefined) return undefined;
    if (spent.escalated) return { used: 'escalated', reason: 'apply-failed', cheapCostUsd: spent.firstCostUsd, strongCostUsd: costUsd };
    if (model === options.escalateTo) return { used: 'strong', reason: strongReason, cheapCostUsd: 0, strongCostUsd: costUsd };
    return { used: 'cheap', cheapCostUsd: costUsd, strongCostUsd: 0 };
  };
  const rejected = (outcome: RejectedCandidate['outcome'], failure: RejectedCandidate['failure'], applyFailure: string | null = null): RejectedCandidate => {
    base.proposeMs = context.clock.now() - began;
    return { ...attempt, kind: 'rejected', outcome, failure, applyFailure };
  };

  let proposal: CandidateProposal;
  try {
    if (model !== undefined) options.meter.beforeCall(model.spec);
    const proposed = await proposeWithEscalation(
      (client) =>
        operator.propose({
          problem,
          parent,
          ...(otherRecord ? { otherParent: toSnapshot(otherRecord) } : {}),
          inspirations,
          insights: context.insights,
          ...definedOnly({ previousFailure, failingCases: needsFeedback(operator) ? failingCases : undefined }),
          ...(client ? { model: client } : {}),
          meter: options.meter,
          random: operatorRandom,
          signal: context.abort.signal,
        }),
      model,
      options.escalateTo,
      options.meter,
      spent,
    );
    proposal = proposed.proposal;
    attempt.cascade = cascadeOf(proposal.usage.costUsd);
    // An escalated proposal is the strong model's: the record and the bandit credit it.
    if (proposed.model !== model && proposed.model !== undefined) base.model = proposed.model.spec;
  } catch (error) {
    if (context.abort.signal.aborted) return undefined;
    if (model !== undefined) noteModelOutcome(context, error);
    const failure = classifyProposalError(error);
    if (failure.budget !== null) {
      context.requestStop(`budget-${failure.budget.kind}` as EvolveStopReason, failure.message);
      return undefined;
    }
    const status = failure.kind === 'apply-failed' || failure.kind === 'not-applicable' ? 'rejected' : 'failed';
    const spentOutcome = { status, files: {}, proposal: spentProposal(error, operator.name) } as const;
    attempt.cascade = cascadeOf(spentOutcome.proposal?.usage.costUsd ?? 0);
    return rejected(spentOutcome, { kind: failure.kind, message: failure.message }, failure.kind === 'apply-failed' ? failure.message : null);
  }
  if (model !== undefined) noteModelOutcome(context, null);
  base.proposeMs = context.clock.now() - began;
  if (context.abort.signal.aborted) return undefined;
  const oversize = programSizeProblem(proposal.files, settings.maxProgramChars);
  if (oversize !== undefined) return rejected({ status: 'failed', files: {}, proposal: { ...proposal, files: {}, diff: '' } }, oversize);
  const childText = loader.textOf(proposal.files);
  const fingerprint = fingerprintText(childText);
  const verdict = await context.novelty.check({
    childText,
    fingerprint,
    parentId: parent.id,
    parentText: loader.textOf(parent.files),
    island: islandIndex,
    operator: operator.name,
    pendingHashes: context.pendingHashes,
    signal: context.abort.signal,
  });
  // The check awaited: an identical child proposed concurrently may have become pending meanwhile.
  const reason = !verdict.novel
    ? verdict.reason
    : context.pendingHashes.has(fingerprint.contentHash)
      ? 'identical to a candidate already waiting for evaluation'
      : null;
  if (reason !== null) return rejected({ status: 'rejected', files: proposal.files, proposal }, { kind: 'novelty-rejected', message: reason });
  context.pendingHashes.add(fingerprint.contentHash);
  return { ...attempt, kind: 'evaluate', proposal, fingerprint };
}

/**
 * Why the strong model of a cascade makes this proposal at once, if it does: the attempt repairs a
 * child a cheaper model made and broke (its evaluation failed: the cascade's failed check, so the
 * next try at that work is the strong model's), or the operator is routed to it (proposal-routes.ts).
 */
function strongAtOnce(context: EngineContext, chosen: LanguageModelClient | undefined, operator: string, repairOf: PendingRepair | null, brokenChildModel: string | null): ProposalCascade['reason'] {
  const { escalateTo } = context.options;
  if (chosen === undefined || escalateTo === undefined || chosen === escalateTo || context.routes === undefined) return undefined;
  if (repairOf !== null && brokenChildModel !== null && brokenChildModel !== escalateTo.spec) return 'child-failed';
  return context.routes.routeOf(operator) === 'strong' ? 'routed' : undefined;
}

/** Stops the run once enough model calls in a row fail because the model cannot be used. */
function noteModelOutcome(context: EngineContext, error: unknown): void {
  const message = context.modelWatch.note(error);
  if (message !== undefined) context.requestStop('model-unusable', message);
}

function chooseParent(context: EngineContext, islandIndex: number): ParentChoice | undefined {
  const { database, random, canRepair } = context;
  const select = (island: number): ParentChoice | undefined => selectParent({ database, island, random, settings: context.options.settings.selection, canRepair });
  // An island with nothing to offer yet borrows from the first island that has something.
  return select(islandIndex) ?? database.islands.map((island) => island.index).filter((index) => index !== islandIndex).reduce<ParentChoice | undefined>((found, index) => found ?? select(index), undefined);
}

/** The next burst step whose program the database still holds (an evicted one ends its burst). */
function nextBurstStep(context: EngineContext): { programId: string; island: number } | undefined {
  for (let step = context.bursts.next(); step !== undefined; step = context.bursts.next()) {
    if (context.database.get(step.programId) !== undefined) return step;
  }
  return undefined;
}
