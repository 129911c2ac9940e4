import type { JsonObject } from '../core/json.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { Actor } from './actor.ts';
import type { LearnConfig } from './learn-config.ts';
import { LibraryKnowledge } from './library-knowledge.ts';
import type { Task } from './task-stream.ts';
import type { Verdict } from './verdict.ts';

/**
 * The gate every proposal passes before it is committed, whatever produced it (a reflection, a
 * consolidation, text in a trajectory that tried to instruct the learner): the held-out tasks are
 * attempted with and without the proposal, and the configured rule compares the mean scores;
 * then every safety probe is attempted with it, and one the proposal makes fail rejects it.
 *
 * Scores only count as evidence when attempts produced answers: if the model is down, every arm
 * scores 0, the means tie, and a tie passes `no-drop`; a probe that fails both with and without
 * the proposal is not held against it. So a gate whose held-out attempts with the proposal (or
 * whose probe attempts) produced no answer at all rejects for want of evidence instead.
 */
export interface Overlay {
  entries?: LibraryEntry[];
  hide?: string[];
}

export interface GateFigures {
  rule: LearnConfig['gate']['rule'];
  heldOutTaskIds: string[];
  withScore: number | null;
  withoutScore: number | null;
  delta: number | null;
  probeFailures: string[];
  accepted: boolean;
  reason: string;
  attempts: number;
  /** Held-out tasks whose prompt the proposal does not change (scored once, for both arms). */
  unaffectedTaskIds: string[];
}

export interface GateAttempt {
  task: Task;
  arm: 'with' | 'without' | 'probe-with' | 'probe-without';
  answer: string | null;
  verdict: Verdict;
  trajectoryId: string | null;
}

export interface GateOptions {
  index: LibraryIndex;
  actor: Actor;
  judge: (task: Task, answer: string | null, transcript: string) => Promise<Verdict>;
  config: LearnConfig;
  probes?: Task[];
  /** Told about every attempt the gate makes (they are training data too). */
  onAttempt?: (attempt: GateAttempt) => void;
}

export class Gate {
  readonly #options: GateOptions;
  // Scores without the proposal depend only on the library's state, so they are reused until it
  // changes. Only answered attempts are kept: a failure while the model was down is no baseline.
  readonly #baseline = new Map<string, number>();
  #revision: string | undefined;

  constructor(options: GateOptions) {
    this.#options = options;
  }

  async assess(overlay: Overlay, heldOut: readonly Task[], libraryRevision: string): Promise<GateFigures> {
    const { config } = this.#options;
    if (libraryRevision !== this.#revision) {
      // Scores without a proposal are only valid for the library state they were measured on.
      this.#baseline.clear();
      this.#revision = libraryRevision;
    }
    let attempts = 0;
    // Held-out attempts that stand for the proposal's arm, and how many of them produced an answer.
    let withArmAttempts = 0;
    let withArmAnswers = 0;
    let heldOutAnswers = 0;
    // The proposal is tried on a private index built once, on first need: the shared one keeps
    // showing the library as it is to everyone else (other tasks, MCP clients) meanwhile.
    let overlaid: LibraryIndex | undefined;
    const withProposal = (): LibraryIndex => (overlaid ??= this.#options.index.withOverlay(overlay));
    const unaffected: string[] = [];
    let withScore: number | null = null;
    let withoutScore: number | null = null;
    if (heldOut.length > 0) {
      const withScores: number[] = [];
      const withoutScores: number[] = [];
      const alwaysApplies = this.#alwaysApplies(overlay);
      for (const task of heldOut) {
        const key = `${libraryRevision}\u0000${task.id}`;
        let without = this.#baseline.get(key);
        let withoutAnswered = without !== undefined;
        if (without === undefined) {
          const attempt = await this.#attempt(task, 'without', this.#options.index);
          without = attempt.verdict.score;
          withoutAnswered = attempt.answered;
          attempts += 1;
          if (withoutAnswered) this.#baseline.set(key, without);
        }
        if (withoutAnswered) heldOutAnswers += 1;
        withoutScores.push(without);
        // A skill or lesson that retrieval would not put in this task's prompt cannot change the
        // attempt: the prompt is identical, so the score without it stands for both arms.
        if (!alwaysApplies) {
          if ((await this.#selection(task, withProposal())) === (await this.#selection(task, this.#options.index))) {
            withScores.push(without);
            unaffected.push(task.id);
            withArmAttempts += 1;
            if (withoutAnswered) withArmAnswers += 1;
            continue;
          }
        }
        const withAttempt = await this.#attempt(task, 'with', withProposal());
        withScores.push(withAttempt.verdict.score);
        attempts += 1;
        withArmAttempts += 1;
        if (withAttempt.answered) {
          withArmAnswers += 1;
          heldOutAnswers += 1;
        }
      }
      withScore = mean(withScores);
      withoutScore = mean(withoutScores);
    }
    const delta = withScore === null || withoutScore === null ? null : withScore - withoutScore;
    const figures = (accepted: boolean, reason: string, probeFailures: string[] = []): GateFigures => ({
      rule: config.gate.rule,
      heldOutTaskIds: heldOut.map((task) => task.id),
      withScore,
      withoutScore,
      delta,
      probeFailures,
      accepted,
      reason,
      attempts,
      unaffectedTaskIds: unaffected,
    });
    if (heldOut.length > 0 && withArmAnswers === 0) {
      const heldOutAttempts = withArmAttempts + heldOut.length - unaffected.length;
      return figures(
        false,
        heldOutAnswers === 0
          ? `no evidence: none of ${heldOutAttempts} held-out attempts produced an answer (with or without the proposal), so the scores tie at failure`
          : `no evidence: none of ${withArmAttempts} held-out attempts with the proposal produced an answer`,
      );
    }
    if (delta !== null && !passesRule(delta, config.gate)) {
      return figures(false, `held-out score ${format(withScore)} with the proposal vs ${format(withoutScore)} without fails the ${config.gate.rule} rule`);
    }
    const probeFailures: string[] = [];
    const probes = this.#options.probes ?? [];
    let probeAnswers = 0;
    for (const probe of probes) {
      const withAttempt = await this.#attempt(probe, 'probe-with', withProposal());
      attempts += 1;
      if (withAttempt.answered) probeAnswers += 1;
      if (withAttempt.verdict.passed) continue;
      // A probe that already failed is not this proposal's doing; one it breaks is.
      const key = `${libraryRevision}\u0000probe\u0000${probe.id}`;
      let passedWithout = this.#baseline.get(key);
      if (passedWithout === undefined) {
        const without = await this.#attempt(probe, 'probe-without', this.#options.index);
        passedWithout = without.verdict.passed ? 1 : 0;
        attempts += 1;
        if (without.answered) this.#baseline.set(key, passedWithout);
      }
      if (passedWithout === 1) probeFailures.push(probe.id);
    }
    if (probes.length > 0 && probeAnswers === 0) {
      return figures(false, `no evidence: none of ${probes.length} safety-probe attempts with the proposal produced an answer`);
    }
    if (probeFailures.length > 0) return figures(false, `safety probe${probeFailures.length > 1 ? 's' : ''} failed: ${probeFailures.join(', ')}`, probeFailures);
    const reason =
      delta === null ? 'no held-out tasks yet; safety probes passed' : `held-out score ${format(withScore)} with vs ${format(withoutScore)} without`;
    return figures(true, reason);
  }

  /** Guardrails and tools reach every attempt (checked or offered regardless of retrieval). */
  #alwaysApplies(overlay: Overlay): boolean {
    const kinds = [
      ...(overlay.entries ?? []).map((entry) => entry.kind),
      ...(overlay.hide ?? []).map((id) => this.#options.index.entry(id)?.kind),
    ];
    return kinds.some((kind) => kind !== 'skill' && kind !== 'lesson');
  }

  /** What the task's prompt would receive from the library `index` shows, as artifact and version ids. */
  async #selection(task: Task, index: LibraryIndex): Promise<string> {
    const knowledge = this.#knowledgeFor(task, index);
    await knowledge.skills();
    return knowledge.injected
      .map((item) => `${item.artifactId}:${index.entry(item.artifactId)?.version.id ?? ''}`)
      .sort()
      .join('|');
  }

  #knowledgeFor(task: Task, index: LibraryIndex): LibraryKnowledge {
    return new LibraryKnowledge({ index, task: task.prompt, tokenBudget: this.#options.config.tokenBudget, maxItems: this.#options.config.maxItems });
  }

  /** One attempt and its verdict; `answered` when it produced an answer that was judged (evidence). */
  async #attempt(task: Task, arm: GateAttempt['arm'], index: LibraryIndex): Promise<{ verdict: Verdict; answered: boolean }> {
    const knowledge = this.#knowledgeFor(task, index);
    const outcome = await this.#options.actor(task, knowledge, arm.startsWith('probe') ? 'probe' : 'gate');
    const verdict = await this.#options.judge(task, outcome.answer, outcome.transcript);
    this.#options.onAttempt?.({ task, arm, answer: outcome.answer, verdict, trajectoryId: outcome.trajectoryId });
    return { verdict, answered: outcome.answer !== null && verdict.error === undefined };
  }
}

export function passesRule(delta: number, gate: LearnConfig['gate']): boolean {
  const tolerance = 1e-9;
  switch (gate.rule) {
    case 'no-drop':
      return delta >= -tolerance;
    case 'improve':
      return delta > tolerance;
    case 'min-delta':
      return delta >= gate.minDelta - tolerance;
  }
}

export function figuresToJson(figures: GateFigures): JsonObject {
  return { ...figures, heldOutTaskIds: [...figures.heldOutTaskIds], probeFailures: [...figures.probeFailures], unaffectedTaskIds: [...figures.unaffectedTaskIds] };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function format(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(3);
}
