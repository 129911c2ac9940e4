import type { JsonObject } from '../core/json.ts';
import { summaryText, type ToolContent } from '../library/artifact-content.ts';
import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { Actor } from './actor.ts';
import { attemptWithCascade, type Escalation } from './cascade-attempt.ts';
import { consolidateGroup, consolidationTranscriptChars, groupSimilarAttempts, type AttemptSummary } from './consolidate.ts';
import type { LearnConfig } from './learn-config.ts';
import type { LearnEvent } from './learn-events.ts';
import type { ArtifactUse, PendingTask, PlannedProposal } from './learn-progress.ts';
import { LibraryKnowledge } from './library-knowledge.ts';
import { reflectOnAttempt, type Reflection } from './reflect.ts';
import { stepFailureOf, type LearnStep, type StepFailure } from './step-failure.ts';
import type { Task } from './task-stream.ts';
import type { Verdict } from './verdict.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The first half of a learn task, up to the proposals: retrieve, act, judge, reflect and (every
 * few tasks) consolidate. Its result is saved as the task's pending record before any proposal is
 * decided, so a resumed run never asks the model for this task's attempt or reflection again.
 *
 * A step whose model reply is unusable is recorded (event, trajectory step, the task's failures)
 * and the task goes on without it: no reflection means no proposals from it, and an unjudged
 * attempt counts as a failure.
 */
export interface AttemptContext {
  library: Library;
  index: LibraryIndex;
  actor: Actor;
  /** The strong model of a cascade, when the actor is its cheap one. */
  escalation?: Escalation | undefined;
  learner: LanguageModelClient;
  config: LearnConfig;
  judge: (task: Task, answer: string | null, transcript: string) => Promise<Verdict>;
  emit: (event: LearnEvent) => void;
  meter?: UsageMeter | undefined;
  /** Prefix of proposal ids: the run's id. */
  runId: string;
}

export async function attemptTask(
  context: AttemptContext,
  task: Task,
  position: number,
  /** The consolidation window before this task. */
  recentBefore: readonly AttemptSummary[],
): Promise<PendingTask> {
  const { library, index, config, emit } = context;
  const meterOptions = context.meter === undefined ? {} : { meter: context.meter };
  const costBefore = context.meter?.totals().costUsd ?? 0;
  const failures: StepFailure[] = [];
  const fail = async (failure: StepFailure, trajectoryId: string | null): Promise<void> => {
    failures.push(failure);
    emit({ type: 'step-failed', taskId: task.id, failure });
    await recordInTrajectory(library.store, trajectoryId, failure);
  };

  await index.sync(library);
  const knowledge = new LibraryKnowledge({ index, task: task.prompt, tokenBudget: config.tokenBudget, maxItems: config.maxItems });
  const { outcome, verdict, cascade } = await attemptWithCascade(context, task, knowledge);
  if (outcome.error !== undefined && outcome.errorCode !== 'budget-exceeded') {
    await fail({ step: 'act', code: outcome.errorCode ?? 'agent-failed', message: outcome.error }, outcome.trajectoryId);
  }
  if (verdict.error !== undefined) await fail({ step: 'judge', ...verdict.error }, outcome.trajectoryId);
  emit({ type: 'task-judged', taskId: task.id, verdict, answer: outcome.answer });
  await saveVerdict(library, outcome.trajectoryId, verdict);

  const usedTools = index
    .active('tool')
    .filter((entry) => outcome.toolsCalled.includes((entry.content as ToolContent).manifest.name))
    .map((entry) => ({ kind: 'tool' as const, name: entry.name }));
  const used = new Map([...knowledge.usedArtifacts(), ...usedTools].map((artifact) => [`${artifact.kind}/${artifact.name}`, artifact]));
  const recent: AttemptSummary[] = [
    ...recentBefore,
    {
      taskId: task.id,
      prompt: task.prompt,
      passed: verdict.passed,
      answer: outcome.answer,
      feedback: verdict.feedback,
      transcript: outcome.transcript.slice(0, consolidationTranscriptChars),
      trajectoryId: outcome.trajectoryId,
    },
  ];

  const reflection = await step('reflect', () =>
    reflectOnAttempt(
      context.learner,
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
      meterOptions,
    ),
  );
  if (reflection.failure !== undefined) await fail(reflection.failure, outcome.trajectoryId);
  const reflected: Reflection | undefined = reflection.value;
  // Success counts follow the verdict; helpful and harmful follow the reflector's tags where it
  // gave them (a lesson can be harmful in a passing attempt), else the outcome.
  const uses: ArtifactUse[] = [...used.values()].map((artifact) => {
    const tag = reflected?.itemTags.get(artifact.name);
    return {
      kind: artifact.kind,
      name: artifact.name,
      success: verdict.passed,
      helpful: tag === undefined ? verdict.passed : tag === 'helpful',
      harmful: tag === undefined ? !verdict.passed : tag === 'harmful',
    };
  });
  let refused = 0;
  const proposals: PlannedProposal[] = [];
  if (reflected !== undefined) {
    for (const invalid of reflected.invalid) {
      refused += 1;
      emit({ type: 'proposal-rejected', taskId: task.id, proposal: null, reason: 'invalid proposal from the model', problems: invalid.problems });
    }
    emit({ type: 'reflected', taskId: task.id, proposals: reflected.proposals.length, invalid: reflected.invalid.length, ignoredTags: reflected.ignoredTags });
    const trajectoryIds = outcome.trajectoryId === null ? [] : [outcome.trajectoryId];
    const findings: JsonObject = { rootCause: reflected.rootCause, keyInsight: reflected.keyInsight, verdict: { ...verdict } };
    reflected.proposals.forEach((proposal, number) => proposals.push({ id: `${context.runId}:${task.id}#${number}`, proposal, trajectoryIds, findings }));
  }

  let window = recent;
  if (config.consolidateEvery > 0 && (position + 1) % config.consolidateEvery === 0) {
    const groups = groupSimilarAttempts(recent).filter((group) => group.length >= 2);
    let made = 0;
    for (const [number, group] of groups.entries()) {
      const consolidated = await step('consolidate', () => consolidateGroup(context.learner, group, meterOptions));
      if (consolidated.failure !== undefined) {
        await fail(consolidated.failure, outcome.trajectoryId);
        continue;
      }
      const { proposal, invalid } = consolidated.value!;
      if (invalid !== undefined) {
        refused += 1;
        emit({ type: 'proposal-rejected', taskId: task.id, proposal: null, reason: 'invalid consolidation from the model', problems: invalid.problems });
      }
      if (proposal !== undefined) {
        made += 1;
        proposals.push({
          id: `${context.runId}:${task.id}#consolidation-${number}`,
          proposal,
          trajectoryIds: group.flatMap((attempt) => (attempt.trajectoryId === null ? [] : [attempt.trajectoryId])),
          findings: { consolidatedTasks: group.map((attempt) => attempt.taskId) },
        });
      }
    }
    emit({ type: 'consolidation-finished', taskId: task.id, groups: groups.length, proposals: made });
    window = [];
  }

  return {
    verdict,
    answer: outcome.answer,
    trajectoryId: outcome.trajectoryId,
    costUsd: outcome.costUsd,
    inputTokens: outcome.inputTokens,
    outputTokens: outcome.outputTokens,
    tokensInjected: knowledge.tokensInjected,
    costBefore,
    uses,
    usesRecorded: false,
    proposals,
    refused,
    failures,
    attempts: [{ taskId: task.id, prompt: task.prompt, answer: outcome.answer, passed: verdict.passed, score: verdict.score, trajectoryId: outcome.trajectoryId }],
    recent: window,
    ...definedOnly({ cascade }),
  };
}

/** Runs a step; an error that is the model's fault comes back as the step's failure, any other is thrown. */
async function step<T>(name: LearnStep, body: () => Promise<T>): Promise<{ value?: T; failure?: StepFailure }> {
  try {
    return { value: await body() };
  } catch (error) {
    const failure = stepFailureOf(name, error);
    if (failure === undefined) throw error;
    return { failure };
  }
}

async function saveVerdict(library: Library, trajectoryId: string | null, verdict: Verdict): Promise<void> {
  if (trajectoryId === null) return;
  const trajectory = await library.store.getTrajectory(trajectoryId);
  if (trajectory === undefined) return;
  const { steps: _steps, ...record } = trajectory;
  await library.store.putTrajectory({ ...record, verdict: { ...verdict }, updatedAt: Date.now() });
}

/** The failure becomes the last step of the attempt's trajectory, where `lamarck trajectory` shows it. */
async function recordInTrajectory(store: Store, trajectoryId: string | null, failure: StepFailure): Promise<void> {
  if (trajectoryId === null) return;
  const trajectory = await store.getTrajectory(trajectoryId);
  if (trajectory === undefined) return;
  const data: JsonObject = { step: failure.step, code: failure.code, message: failure.message };
  await store.appendTrajectoryStep(trajectoryId, { index: (trajectory.steps.at(-1)?.index ?? -1) + 1, type: 'learn-step-failed', at: Date.now(), data });
}
