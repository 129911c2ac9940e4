import { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { Curator } from '../library/curate/curator.ts';
import { Random } from '../core/random.ts';
import { curatorFromConfig } from './curator-from-config.ts';
import { ProposalDecider } from './decide-proposal.ts';
import { Gate, type GateAttempt } from './gate.ts';
import { gateActor } from './gate-actor.ts';
import { judgeAttempt } from './judge.ts';
import type { LearnEvent } from './learn-events.ts';
import type { LearnOptions } from './learn-options.ts';
import type { LearnProgress } from './learn-progress.ts';
import type { StepFailure } from './step-failure.ts';
import type { Task } from './task-stream.ts';
import type { RecordedAttempt } from './training-data.ts';
import type { Verdict } from './verdict.ts';
import { shuffle } from './held-out-sample.ts';

/**
 * The setup phase of a learn run: the index, the curator, the judge, the gate (whose attempts and
 * critic failures are collected for the task that runs it), the proposal decider, and the split of
 * the tasks into training and a fixed holdout.
 */
export interface LearnRunContext {
  readonly options: LearnOptions & { progress: LearnProgress; signal: AbortSignal };
  readonly progress: LearnProgress;
  readonly index: LibraryIndex;
  readonly curator: Curator;
  readonly judge: (task: Task, answer: string | null, transcript: string) => Promise<Verdict>;
  readonly decider: ProposalDecider;
  readonly training: readonly Task[];
  /** The holdout tasks every gate uses, when the task stream has any; else each proposal draws from earlier training tasks. */
  readonly fixedHoldout: readonly Task[];
  readonly emit: (event: LearnEvent) => void;
  /** The critic failures of this task's gates, for its curve point; reset when a task starts. */
  readonly gateFailures: StepFailure[];
  /** The task whose gates are running, named in their step-failed events. */
  currentTaskId: string;
  /** Saves the meter's totals with the progress, so a resumed run keeps counting from them. */
  saveUsage(): Promise<void>;
}

export function prepareLearnRun(options: LearnOptions & { progress: LearnProgress; signal: AbortSignal }, emit: (event: LearnEvent) => void): LearnRunContext {
  const { library, config, progress } = options;
  const index = options.index ?? new LibraryIndex();
  const judge = (task: Task, answer: string | null, transcript: string): Promise<Verdict> =>
    judgeAttempt(task, answer, transcript, { critic: options.learner, meter: options.meter, cwd: options.cwd });
  let gateAttempts: RecordedAttempt[] = [];
  const onGateAttempt = (attempt: GateAttempt): void => {
    gateAttempts.push({ taskId: attempt.task.id, prompt: attempt.task.prompt, answer: attempt.answer, passed: attempt.verdict.passed, score: attempt.verdict.score, trajectoryId: attempt.trajectoryId });
    if (attempt.verdict.error !== undefined) {
      // The critic failed on a held-out task or probe: the gate scored that attempt as a failure.
      const failure: StepFailure = { step: 'judge', ...attempt.verdict.error, gateTaskId: attempt.task.id };
      context.gateFailures.push(failure);
      emit({ type: 'step-failed', taskId: context.currentTaskId, failure });
    }
  };
  const gate = new Gate({ index, actor: gateActor(library, options.actor, options.escalation), judge, config, probes: [...(options.probes ?? [])], onAttempt: onGateAttempt });
  const curator = curatorFromConfig(index, config);
  const decider = new ProposalDecider({
    library,
    index,
    curator,
    gate,
    progress,
    emit,
    takeGateAttempts: () => {
      const taken = gateAttempts;
      gateAttempts = [];
      return taken;
    },
  });
  const holdout = options.tasks.filter((task) => task.split === 'holdout');
  const context: LearnRunContext = {
    options,
    progress,
    index,
    curator,
    judge,
    decider,
    training: options.tasks.filter((task) => task.split !== 'holdout'),
    fixedHoldout: shuffle(holdout, new Random(config.seed)).slice(0, config.gate.holdoutSize),
    emit,
    gateFailures: [],
    currentTaskId: '',
    async saveUsage() {
      if (options.meter !== undefined) await progress.saveUsage(options.meter.totals());
    },
  };
  return context;
}
