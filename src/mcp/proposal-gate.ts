import { UsageError } from '../core/errors.ts';
import { createId } from '../core/ids.ts';
import { Random } from '../core/random.ts';
import { createAgentActor, type Actor } from '../learn/actor.ts';
import { curatorFromConfig } from '../learn/curator-from-config.ts';
import { ProposalDecider } from '../learn/decide-proposal.ts';
import { Gate, type GateFigures } from '../learn/gate.ts';
import { judgeAttempt } from '../learn/judge.ts';
import type { LearnConfig } from '../learn/learn-config.ts';
import type { LearnEvent } from '../learn/learn-events.ts';
import { memoryLearnProgress, type DecisionOutcome } from '../learn/learn-progress.ts';
import type { LibraryProposal } from '../learn/proposals.ts';
import type { Task } from '../learn/task-stream.ts';
import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * `propose` over MCP goes through the learn loop's own decision path: the tool tests of a proposed
 * tool, curation (merge or add), the gate (held-out tasks with and without the proposal, then every
 * safety probe), and commit or reject, by `ProposalDecider`, the class `lamarck learn` uses.
 *
 * Two things differ from a learn run, both for safety:
 * - the gate overlays the proposal on a private index, never on the index the server answers
 *   searches from, so no client ever reads a proposal that has not passed the gate;
 * - proposals are decided one at a time, because two decided at once would each be gated (and
 *   curated) against a library without the other.
 *
 * Held-out tasks and probes need a model to attempt them. With tasks or probes and no model, a
 * proposal is refused with a `UsageError` (never committed ungated); with neither, the gate has
 * nothing to run and passes, as it does for the first task of a learn run.
 */
export interface ProposalGateOptions {
  library: Library;
  /** A fresh index for the gate (same embedding model as the served one). */
  index: LibraryIndex;
  config: LearnConfig;
  /** The configured model that attempts held-out tasks and probes and judges them without a verifier. */
  model?: LanguageModelClient;
  /** Overrides the agent actor built from `model` (tests, other harnesses). */
  actor?: Actor;
  heldOut: readonly Task[];
  probes: readonly Task[];
  meter?: UsageMeter;
  /** Verifier commands run here. */
  cwd?: string;
  /** Where held-out tasks and probes came from, for the error when no model is configured. */
  describeSources?: string;
}

export interface ProposalVerdict {
  proposalId: string;
  outcome: DecisionOutcome;
  accepted: boolean;
  reason: string;
  problems: string[];
  /** The committed version (committed outcomes). */
  version: number | null;
  /** The name the change landed on (a merge or an add folded into a near-duplicate names its target). */
  name: string;
  figures: GateFigures | null;
}

export class ProposalGate {
  readonly #options: ProposalGateOptions;
  readonly #decider: ProposalDecider;
  readonly #runId = createId('mcp');
  readonly #heldOutSample: Task[];
  #events: LearnEvent[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ProposalGateOptions) {
    this.#options = options;
    const { library, index, config } = options;
    const meter = options.meter;
    const actor = options.actor ?? (options.model === undefined ? undefined : defaultActor(options.model, library, config, meter));
    const gate = new Gate({
      index,
      actor: actor ?? noModelActor,
      judge: (task, answer, transcript) =>
        judgeAttempt(task, answer, transcript, {
          ...definedOnly({ critic: options.model, meter, cwd: options.cwd }),
        }),
      config,
      probes: [...options.probes],
    });
    this.#decider = new ProposalDecider({
      library,
      index,
      curator: curatorFromConfig(index, config),
      gate,
      progress: memoryLearnProgress(this.#runId),
      emit: (event) => this.#events.push(event),
      takeGateAttempts: () => [],
    });
    // The same sample for every proposal, drawn as learn draws a fixed holdout split.
    this.#heldOutSample = new Random(config.seed).shuffle([...options.heldOut]).slice(0, config.gate.holdoutSize);
  }

  /** What the gate will run per proposal. */
  get heldOutTaskIds(): string[] {
    return this.#heldOutSample.map((task) => task.id);
  }

  get probeIds(): string[] {
    return this.#options.probes.map((task) => task.id);
  }

  /** Decides one proposal after those already queued; refuses at once when the gate cannot run. */
  decide(proposal: LibraryProposal): Promise<ProposalVerdict> {
    const needsModel = this.#heldOutSample.length > 0 || this.#options.probes.length > 0;
    if (needsModel && this.#options.model === undefined && this.#options.actor === undefined) {
      const sources = this.#options.describeSources ?? `${this.#heldOutSample.length} held-out task(s) and ${this.#options.probes.length} safety probe(s)`;
      return Promise.reject(
        new UsageError(`propose: no model is configured, and the gate needs one to attempt ${sources}; add a model to "models" in lamarck.config.json (nothing was committed)`),
      );
    }
    const next = this.#queue.then(() => this.#decideNow(proposal));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #decideNow(proposal: LibraryProposal): Promise<ProposalVerdict> {
    const proposalId = `${this.#runId}:${createId('prp')}`;
    this.#events = [];
    const decision = await this.#decider.decide({ id: proposalId, proposal, trajectoryIds: [], findings: {} }, this.#heldOutSample, 'propose');
    const event = this.#events.find((candidate) => candidate.type === 'proposal-committed' || candidate.type === 'proposal-rejected' || candidate.type === 'proposal-unchanged');
    const base = { proposalId, outcome: decision.outcome, accepted: decision.outcome === 'committed' || decision.outcome === 'committed-new', version: decision.version ?? null };
    switch (event?.type) {
      case 'proposal-committed':
        return { ...base, reason: event.figures.reason, problems: [], name: event.proposal.name, figures: event.figures };
      case 'proposal-rejected':
        return { ...base, reason: event.reason, problems: event.problems ?? [], name: event.proposal?.name ?? proposal.name, figures: event.figures ?? null };
      case 'proposal-unchanged':
        return { ...base, reason: event.reason, problems: [], name: event.proposal.name, figures: null };
      default:
        return { ...base, reason: decision.outcome, problems: [], name: proposal.name, figures: null };
    }
  }
}

function defaultActor(model: LanguageModelClient, library: Library, config: LearnConfig, meter: UsageMeter | undefined): Actor {
  return createAgentActor({ model, store: library.store, limits: { maxSteps: config.maxSteps }, ...definedOnly({ meter }) });
}

const noModelActor: Actor = () => Promise.reject(new UsageError('the gate has no model to attempt tasks with'));
