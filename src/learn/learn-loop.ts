import { createHash } from 'node:crypto';
import { BudgetExceededError, NotFoundError, VersionConflictError } from '../core/errors.ts';
import type { JsonObject } from '../core/json.ts';
import { Random } from '../core/random.ts';
import { summaryText, type ToolContent } from '../library/artifact-content.ts';
import { Curator } from '../library/curate/curator.ts';
import type { Library } from '../library/library.ts';
import { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Actor } from './actor.ts';
import { commitChange, describeChange, overlayFor, planChange } from './apply-proposal.ts';
import { consolidateGroup, groupSimilarAttempts, type AttemptSummary } from './consolidate.ts';
import { Gate, figuresToJson, type GateAttempt } from './gate.ts';
import { judgeAttempt } from './judge.ts';
import type { LearnConfig } from './learn-config.ts';
import type { CurvePoint, LearnEvent, ProposalSummary } from './learn-events.ts';
import { LibraryKnowledge } from './library-knowledge.ts';
import type { Proposal } from './proposals.ts';
import { reflectOnAttempt } from './reflect.ts';
import type { Task } from './task-stream.ts';
import { checkToolTests } from './tool-check.ts';
import type { RecordedAttempt } from './training-data.ts';
import type { Verdict } from './verdict.ts';

/**
 * The learn loop, as a thin orchestrator: for each training task, retrieve → act → judge →
 * reflect → distill → curate → gate → commit, then the next task sees the new library. Every few
 * tasks related attempts are consolidated into one skill, and low-utility artifacts are retired.
 */
export interface LearnOptions {
  tasks: readonly Task[];
  library: Library;
  actor: Actor;
  /** The model that judges (when a task has no verifier), reflects and consolidates. */
  learner: LanguageModelClient;
  config: LearnConfig;
  probes?: readonly Task[];
  index?: LibraryIndex;
  meter?: UsageMeter;
  onEvent?: (event: LearnEvent) => void;
  /** Verifier commands run here. */
  cwd?: string;
}

export interface LearnResult {
  curves: CurvePoint[];
  attempts: RecordedAttempt[];
  committed: number;
  rejected: number;
  stoppedBy?: string;
}

export async function runLearn(options: LearnOptions): Promise<LearnResult> {
  const { library, config } = options;
  const index = options.index ?? new LibraryIndex();
  // With an embedding model, curation compares meanings; without one, TF-IDF over the library's words.
  const embed = index.hybrid ? async (text: string): Promise<number[]> => (await index.embedText(text)) ?? [] : undefined;
  const curator = new Curator(
    index,
    {
      threshold: { percentile: config.curation.mergePercentile, fallback: config.curation.mergeFallback },
      retireAfterUses: config.curation.retireAfterUses,
      retireBelowUtility: config.curation.retireBelowUtility,
      maxLivePerKind: config.curation.maxLivePerKind,
    },
    embed,
  );
  const emit = (event: LearnEvent): void => options.onEvent?.(event);
  const attempts: RecordedAttempt[] = [];
  const judge = (task: Task, answer: string | null, transcript: string): Promise<Verdict> =>
    judgeAttempt(task, answer, transcript, {
      critic: options.learner,
      ...(options.meter === undefined ? {} : { meter: options.meter }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
  const recordGateAttempt = (attempt: GateAttempt): void => {
    attempts.push({ taskId: attempt.task.id, prompt: attempt.task.prompt, answer: attempt.answer, passed: attempt.verdict.passed, score: attempt.verdict.score, trajectoryId: attempt.trajectoryId });
  };
  const gate = new Gate({ index, actor: options.actor, judge, config, probes: [...(options.probes ?? [])], onAttempt: recordGateAttempt });
  const holdout = options.tasks.filter((task) => task.split === 'holdout');
  const training = options.tasks.filter((task) => task.split !== 'holdout');
  const random = new Random(config.seed);
  const fixedHoldout = shuffle(holdout, random).slice(0, config.gate.holdoutSize);
  const curves: CurvePoint[] = [];
  const recent: AttemptSummary[] = [];
  let committedTotal = 0;
  let rejectedTotal = 0;

  for (const [position, task] of training.entries()) {
    emit({ type: 'task-started', index: position, taskId: task.id });
    const costBefore = options.meter?.totals().costUsd ?? 0;
    let committed = 0;
    let rejected = 0;
    let newArtifacts = 0;
    try {
      await index.sync(library);
      const knowledge = new LibraryKnowledge({ index, task: task.prompt, tokenBudget: config.tokenBudget, maxItems: config.maxItems });
      const outcome = await options.actor(task, knowledge, 'learn');
      const verdict = await judge(task, outcome.answer, outcome.transcript);
      emit({ type: 'task-judged', taskId: task.id, verdict, answer: outcome.answer });
      await saveVerdict(library, outcome.trajectoryId, verdict);
      const usedTools = index
        .active('tool')
        .filter((entry) => outcome.toolsCalled.includes((entry.content as ToolContent).manifest.name))
        .map((entry) => ({ kind: 'tool' as const, name: entry.name }));
      const used = new Map([...knowledge.usedArtifacts(), ...usedTools].map((artifact) => [`${artifact.kind}/${artifact.name}`, artifact]));
      attempts.push({ taskId: task.id, prompt: task.prompt, answer: outcome.answer, passed: verdict.passed, score: verdict.score, trajectoryId: outcome.trajectoryId });
      recent.push({
        taskId: task.id,
        prompt: task.prompt,
        passed: verdict.passed,
        answer: outcome.answer,
        feedback: verdict.feedback,
        transcript: outcome.transcript,
        trajectoryId: outcome.trajectoryId,
      });

      const reflection = await reflectOnAttempt(
        options.learner,
        {
          task,
          answer: outcome.answer,
          verdict,
          transcript: outcome.transcript,
          injected: knowledge.injected.map((item) => {
            const entry = index.entry(item.artifactId);
            return entry === undefined ? item.name : `${item.kind} ${item.name}: ${summaryText(entry.kind, entry.name, entry.content)}`;
          }),
        },
        options.meter === undefined ? {} : { meter: options.meter },
      );
      // Success counts follow the verdict; helpful and harmful follow the reflector's tags where it
      // gave them (a lesson can be harmful in a passing attempt), else the outcome.
      for (const artifact of used.values()) {
        const tag = reflection.itemTags.get(artifact.name);
        const helpful = tag === undefined ? verdict.passed : tag === 'helpful';
        const harmful = tag === undefined ? !verdict.passed : tag === 'harmful';
        await library.recordUse(artifact.kind, artifact.name, { success: verdict.passed, helpful, harmful }).catch(ignoreNotFound);
      }
      for (const invalid of reflection.invalid) {
        rejected += 1;
        emit({ type: 'proposal-rejected', taskId: task.id, proposal: null, reason: 'invalid proposal from the model', problems: invalid.problems });
      }
      const trajectoryIds = outcome.trajectoryId === null ? [] : [outcome.trajectoryId];
      const findings: JsonObject = { rootCause: reflection.rootCause, keyInsight: reflection.keyInsight, verdict: { ...verdict } };
      const proposals: { proposal: Proposal; trajectoryIds: string[]; findings: JsonObject }[] = reflection.proposals.map((proposal) => ({ proposal, trajectoryIds, findings }));

      if (config.consolidateEvery > 0 && (position + 1) % config.consolidateEvery === 0) {
        const groups = groupSimilarAttempts(recent).filter((group) => group.length >= 2);
        let made = 0;
        for (const group of groups) {
          const consolidated = await consolidateGroup(options.learner, group, options.meter === undefined ? {} : { meter: options.meter });
          if (consolidated.invalid !== undefined) {
            rejected += 1;
            emit({ type: 'proposal-rejected', taskId: task.id, proposal: null, reason: 'invalid consolidation from the model', problems: consolidated.invalid.problems });
          }
          if (consolidated.proposal !== undefined) {
            made += 1;
            proposals.push({
              proposal: consolidated.proposal,
              trajectoryIds: group.flatMap((attempt) => (attempt.trajectoryId === null ? [] : [attempt.trajectoryId])),
              findings: { consolidatedTasks: group.map((attempt) => attempt.taskId) },
            });
          }
        }
        emit({ type: 'consolidation-finished', taskId: task.id, groups: groups.length, proposals: made });
        recent.length = 0;
      }

      for (const { proposal, trajectoryIds: sources, findings: notes } of proposals) {
        const heldOut = fixedHoldout.length > 0 ? fixedHoldout : shuffle(training.slice(0, position), random).slice(0, config.gate.holdoutSize);
        const decision = await decide(proposal, sources, heldOut, task.id, notes);
        if (decision === 'committed-new') newArtifacts += 1;
        if (decision === 'rejected') rejected += 1;
        else committed += 1;
      }

      await index.sync(library);
      for (const retirement of await curator.maintain(library)) {
        emit({ type: 'artifact-retired', taskId: task.id, kind: retirement.entry.kind, name: retirement.entry.name, reason: retirement.reason });
      }
      committedTotal += committed;
      rejectedTotal += rejected;
      const point: CurvePoint = {
        index: position,
        taskId: task.id,
        passed: verdict.passed,
        score: verdict.score,
        verdictSource: verdict.source,
        costUsd: outcome.costUsd,
        inputTokens: outcome.inputTokens,
        outputTokens: outcome.outputTokens,
        tokensInjected: knowledge.tokensInjected,
        librarySize: index.entries().filter((entry) => entry.status !== 'retired').length,
        newArtifacts,
        committed,
        rejected,
        learningCostUsd: Math.max(0, (options.meter?.totals().costUsd ?? 0) - costBefore - outcome.costUsd),
      };
      curves.push(point);
      emit({ type: 'task-finished', point });
    } catch (error) {
      if (error instanceof BudgetExceededError) {
        return { curves, attempts, committed: committedTotal, rejected: rejectedTotal, stoppedBy: error.message };
      }
      throw error;
    }
  }
  return { curves, attempts, committed: committedTotal, rejected: rejectedTotal };

  async function decide(
    proposal: Proposal,
    trajectoryIds: string[],
    heldOut: readonly Task[],
    taskId: string,
    findings: JsonObject,
  ): Promise<'committed-new' | 'committed' | 'rejected'> {
    const summary: ProposalSummary = { op: proposal.op, kind: proposal.kind, name: proposal.name, origin: proposal.origin };
    if (proposal.kind === 'tool' && proposal.content !== undefined && proposal.op !== 'retire') {
      const tests = await checkToolTests(proposal.content as Parameters<typeof checkToolTests>[0]);
      if (!tests.passed) {
        const failed = tests.results.filter((result) => !result.passed).map((result) => `${result.name}: ${result.detail}`);
        emit({ type: 'proposal-rejected', taskId, proposal: summary, reason: 'the tool failed its tests in the sandbox', problems: failed });
        return 'rejected';
      }
    }
    await index.sync(library);
    const plan = await planChange(proposal, library, curator);
    if (!plan.ok) {
      emit({ type: 'proposal-rejected', taskId, proposal: summary, reason: plan.reason });
      return 'rejected';
    }
    const described = { ...describeChange(plan.change), origin: proposal.origin };
    const figures = await gate.assess(overlayFor(plan.change), heldOut, revision(index));
    if (!figures.accepted) {
      emit({ type: 'proposal-rejected', taskId, proposal: described, reason: figures.reason, figures });
      return 'rejected';
    }
    try {
      const evaluation: JsonObject = { gate: figuresToJson(figures), origin: proposal.origin, rationale: proposal.rationale, taskId, findings };
      const entry = await commitChange(library, plan.change, { message: `${described.op} ${proposal.kind} ${described.name} (${proposal.origin} of ${taskId})`, trajectoryIds, evaluation });
      await index.sync(library);
      emit({ type: 'proposal-committed', taskId, proposal: described, version: entry.version.number, figures });
      return plan.change.op === 'add' ? 'committed-new' : 'committed';
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Another learner changed the artifact after this proposal was planned: report, do not overwrite.
      emit({ type: 'proposal-rejected', taskId, proposal: described, reason: `conflict: ${error.message}`, figures });
      return 'rejected';
    }
  }
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

async function saveVerdict(library: Library, trajectoryId: string | null, verdict: Verdict): Promise<void> {
  if (trajectoryId === null) return;
  const trajectory = await library.store.getTrajectory(trajectoryId);
  if (trajectory === undefined) return;
  const { steps: _steps, ...record } = trajectory;
  await library.store.putTrajectory({ ...record, verdict: { ...verdict }, updatedAt: Date.now() });
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = random.integer(index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** An artifact retired or removed by another learner since the attempt is simply not counted. */
function ignoreNotFound(error: unknown): void {
  if (!(error instanceof NotFoundError)) throw error;
}
