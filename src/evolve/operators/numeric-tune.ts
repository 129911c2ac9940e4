import { LamarckError } from '../../core/errors.ts';
import { isJsonObject, type JsonObject } from '../../core/json.ts';
import { operatorSpecificationVersion, type EvaluationResult, type Operator, type OperatorContext, type ProgramSnapshot, type CandidateProposal } from '../types.ts';
import { scanNumericLiterals, writeNumericLiterals, type NumericLiteral } from './numeric-literals.ts';
import { SepCmaEs, type ScoredSample } from './sep-cma-es.ts';
import { defaultPopulationSize, freshRestartState, restoreRestartState, shouldRestart, type RestartState } from './bipop-restarts.ts';
import {
  nextProbe,
  observeProbe,
  probeCoordinates,
  restoreScreening,
  saveScreening,
  screenedCoordinates,
  skipProbe,
  startScreening,
  type Probe,
  type ScreeningState,
} from './literal-screening.ts';
import { chooseCompass, nextMove, observeMove, restoreCompass, saveCompass, skipMove, startCompass, type CompassMove, type CompassState } from './compass-search.ts';
import { unifiedDiffOfFiles } from './unified-diff.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * Model-free tuning of the numeric literals inside the EVOLVE-BLOCKs. The literals of a program
 * form a vector; children are drawn from a separable CMA-ES distribution, one per program
 * structure (the code with its literals blanked), and every evaluated child updates it. Before the
 * distribution draws, each literal is screened alone (literal-screening.ts): moved by a factor of 2
 * either way (a decade for an exponent literal), and followed with doubling steps while that
 * helps; the distribution then starts from the best point found and leaves out the literals that
 * never changed the score. From then on a compass search (compass-search.ts: one literal at a time,
 * from the best point, steps halving after a failed sweep) shares the proposals with CMA-ES, each
 * in proportion to how often it has improved the best. A non-zero
 * literal is searched on a log scale relative to its starting value (coordinate 0 is the start,
 * a step of 0.25 is about 25% either way), which keeps its sign without clamping: sign flips
 * usually break programs, and a clamp would leave flat regions where CMA-ES drifts. Integers stay
 * integers (at least 2 in magnitude, since 0 and 1 are not tuned). Generations alternate between
 * moving every literal and moving about two, so literals that break the program when changed do
 * not hide the ones that help.
 *
 * Log-scale coordinates are kept within sane bounds (three decades either way for a real, two for
 * an integer), so a tolerance such as `1e-8` or a count such as `1000` is searched across orders
 * of magnitude without reaching values that hang the program. A literal written with an exponent
 * (`1e-5`, `2.5E3`) names an order of magnitude, not a value: its coordinate is stretched so that
 * the initial step moves it by half a decade instead of 25%, or a learning rate of 1e-5 that wants
 * 1e-3 would take dozens of generations to get there. A literal vector already proposed is
 * never proposed again. When a distribution converges or stops improving, it restarts from the
 * best values it found, BIPOP-CMA-ES style: alternately with a doubled population (the IPOP
 * regime, for multi-modal landscapes) and with a small population and a random smaller step
 * (the local regime), the small one taken whenever it has used less of the budget.
 */
export interface NumericTuneOptions {
  /** Initial relative step size. Default 0.25. */
  initialStep?: number;
  /** Literals tuned at most (the first ones in the blocks). Default 64. */
  maxDimensions?: number;
  /** Distributions kept, one per program structure, least recently used dropped first. Default 16. */
  maxStructures?: number;
  /** Samples per CMA-ES generation; by default 4 + 3 ln(n). */
  populationSize?: number;
}

/** The operator cannot make a child from this parent (no literals to tune). */
export class OperatorNotApplicableError extends LamarckError {
  constructor(operator: string, message: string) {
    super({ code: 'operator-not-applicable', message: `${operator}: ${message}`, fault: 'user', details: { operator } });
  }
}

interface Distribution {
  key: string;
  cma: SepCmaEs;
  /** Per-coordinate scale (|initial value|, or 1 for zero) and the literal's kind. */
  scales: number[];
  /** Log units per coordinate unit: 1, or more for a literal written with an exponent (see magnitudeStretch). */
  stretches: number[];
  integers: boolean[];
  /** +1 / -1 keeps the sign of the initial value; 0 leaves it free. */
  signs: number[];
  buffer: ScoredSample[];
  best: { values: number[]; score: number } | null;
  lastUsed: number;
  /** Literal texts already proposed from this distribution (bounded, oldest dropped first). */
  seen: Set<string>;
  restart: RestartState;
  /** The one-at-a-time sweep that runs before the distribution draws (done once it is over). */
  screening: ScreeningState;
  /** Coordinates the CMA-ES distribution covers, in order; the others stay at `base`. */
  tuned: number[];
  /** Full coordinates of the point the distribution was last centred on (the held literals' values). */
  base: number[];
  /** Per coordinate, the screening's probe step (coordinate units); compass steps are fractions of it. */
  probeSteps: number[];
  compass: CompassState;
}


const operatorName = 'numeric-tune';
const maxPending = 512;
const maxSeen = 4096;
const sampleAttempts = 12;
/** Screening probes move a plain literal by a factor of 2 and an exponent literal by a decade (log units). */
const plainProbe = Math.log(2);
const exponentProbe = Math.log(10);
/** Log-scale bounds: a real literal moves at most 1000x either way, an integer 100x. */
const realBound = Math.log(1000);
const integerBound = Math.log(100);
/** Linear bound for literals that start at zero (in units of 1). */
const zeroBound = 1000;
/** Log units per coordinate unit for an exponent-notation literal: the initial step (0.25 by default) then moves it by half a decade at least. */
const magnitudeStretch = (initialStep: number): number => Math.max(1, Math.log(10) / 2 / initialStep);
const exponentNotation = /\d[eE][+-]?\d/;
/** A distribution whose largest step is below this (in log units: 0.01%) has converged. */

export function createNumericTuneOperator(options: NumericTuneOptions = {}): Operator & { distributionCount(): number } {
  const initialStep = options.initialStep ?? 0.25;
  const maxDimensions = options.maxDimensions ?? 64;
  const maxStructures = options.maxStructures ?? 16;
  const distributions = new Map<string, Distribution>();
  // Unrounded samples (full coordinates) by the literal text they were written as, so `observe` can
  // tell CMA-ES the exact draw, or the screening which probe it was.
  const pending = new Map<string, Drawn>();
  let clock = 0;
  // The problem's evolvable files, in its order (literal order and structure keys depend on it).
  let evolvableFiles: string[] | null = null;

  const scan = (files: Readonly<Record<string, string>>, evolvable: readonly string[]): { literals: NumericLiteral[]; key: string } => {
    const { literals, structureKey } = scanNumericLiterals(files, evolvable);
    return { literals: literals.slice(0, maxDimensions), key: `${structureKey}:${Math.min(literals.length, maxDimensions)}` };
  };

  const distributionFor = (key: string, literals: readonly NumericLiteral[], parentScore: number | null): Distribution => {
    let distribution = distributions.get(key);
    if (distribution === undefined) {
      const scales = literals.map((literal) => (literal.value === 0 ? 1 : Math.abs(literal.value)));
      const mean = literals.map(() => 0);
      const exponents = literals.map((literal) => literal.value !== 0 && exponentNotation.test(literal.text));
      const stretches = exponents.map((exponent) => (exponent ? magnitudeStretch(initialStep) : 1));
      const integers = literals.map((literal) => literal.integer);
      const signs = literals.map((literal) => Math.sign(literal.value));
      const knownScore = parentScore !== null && Number.isFinite(parentScore) ? parentScore : null;
      const probeSteps = exponents.map((exponent, index) => (exponent ? exponentProbe : plainProbe) / stretches[index]!);
      distribution = {
        key,
        cma: new SepCmaEs(mean, initialStep, options.populationSize),
        scales,
        stretches,
        integers,
        signs,
        buffer: [],
        // The parent the distribution starts from is the best known point until a child beats it.
        best: knownScore === null ? null : { values: literals.map((literal) => literal.value), score: knownScore },
        lastUsed: 0,
        seen: new Set(),
        restart: freshRestartState(),
        screening: startScreening(
          probeSteps,
          signs.map((sign, index) => coordinateBound(sign, integers[index]!, stretches[index]!)),
          knownScore,
        ),
        tuned: mean.map((_, index) => index),
        base: mean,
        probeSteps,
        compass: startCompass(),
      };
      distributions.set(key, distribution);
      evictLeastRecentlyUsed();
    }
    distribution.lastUsed = ++clock;
    return distribution;
  };

  const evictLeastRecentlyUsed = (): void => {
    while (distributions.size > maxStructures) {
      let oldest: Distribution | undefined;
      for (const candidate of distributions.values()) if (oldest === undefined || candidate.lastUsed < oldest.lastUsed) oldest = candidate;
      distributions.delete(oldest!.key);
    }
  };

  /** Search coordinates to literal values: log scale for signed literals, linear for zero ones. */
  const toValues = (distribution: Distribution, x: readonly number[]): number[] =>
    x.map((rawCoordinate, index) => {
      const scale = distribution.scales[index]!;
      const sign = distribution.signs[index]!;
      const stretch = distribution.stretches[index] ?? 1;
      const coordinate = reflect(rawCoordinate, coordinateBound(sign, distribution.integers[index]!, stretch));
      let value = sign === 0 ? coordinate * scale : sign * scale * Math.exp(coordinate * stretch);
      if (distribution.integers[index]) {
        value = Math.round(value);
        // 0 and 1 are not tuned (they read as structure), so a tuned integer stays at 2 or beyond.
        if (sign > 0) value = Math.max(2, value);
        if (sign < 0) value = Math.min(-2, value);
      }
      return value;
    });

  /** The inverse of toValues, for children whose exact draw is not remembered. */
  const toCoordinates = (distribution: Distribution, values: readonly number[]): number[] =>
    values.map((value, index) => {
      const scale = distribution.scales[index]!;
      const sign = distribution.signs[index]!;
      if (sign === 0) return value / scale;
      return Math.sign(value) === sign ? Math.log(Math.abs(value) / scale) / (distribution.stretches[index] ?? 1) : 0;
    });

  const pendingKey = (key: string, literals: readonly NumericLiteral[], files: Readonly<Record<string, string>>): string =>
    `${key}|${literals.map((literal) => files[literal.file]!.slice(literal.start, literal.end)).join(',')}`;

  return {
    specificationVersion: operatorSpecificationVersion,
    name: operatorName,
    needsModel: false,

    propose(context: OperatorContext): Promise<CandidateProposal> {
      const { problem, parent } = context;
      evolvableFiles = [...problem.evolvableFiles];
      const { literals, key } = scan(parent.files, problem.evolvableFiles);
      if (literals.length === 0) {
        return Promise.reject(new OperatorNotApplicableError(operatorName, 'the EVOLVE-BLOCKs of the parent hold no numeric literals to tune'));
      }
      const fresh = !distributions.has(key);
      const distribution = distributionFor(key, literals, parent.score);
      // The parent a distribution starts from is already evaluated: proposing its literals again would waste a slot.
      if (fresh) distribution.seen.add(pendingKey(key, literals, parent.files));
      const probe = proposeProbe(distribution, literals, key, parent.files, problem.evolvableFiles);
      if (probe !== undefined) return Promise.resolve(probe);
      if (distribution.screening.done && chooseCompass(distribution.compass, context.random.next())) {
        const move = proposeMove(distribution, literals, key, parent.files, problem.evolvableFiles);
        if (move !== undefined) return Promise.resolve(move);
      }
      if (distribution.restart.pending) restartDistribution(distribution, context.random);
      // Two rounds: if every sample of the first repeats what was already proposed, restart and retry.
      for (let round = 0; round < 2; round += 1) {
        const proposal = sampleUnseen(distribution, literals, key, parent.files, problem.evolvableFiles, context.random);
        if (proposal !== undefined) return Promise.resolve(proposal);
        restartDistribution(distribution, context.random);
      }
      return Promise.reject(new OperatorNotApplicableError(operatorName, 'every sample repeated a value already tried; the distribution has converged'));
    },

    observe(outcome: { parent: ProgramSnapshot; proposal: CandidateProposal; result: EvaluationResult }): void {
      if (outcome.proposal.operator !== operatorName) return;
      try {
        if (evolvableFiles === null) return;
        const { literals, key } = scan(outcome.proposal.files, evolvableFiles);
        const distribution = distributions.get(key);
        if (distribution === undefined || literals.length !== distribution.scales.length) return;
        const values = literals.map((literal) => literal.value);
        const drawn = pending.get(pendingKey(key, literals, outcome.proposal.files));
        const score = outcome.result.ok && outcome.result.score !== null && Number.isFinite(outcome.result.score) ? outcome.result.score : null;
        const improved = score !== null && (distribution.best === null || score > distribution.best.score);
        if (improved) distribution.best = { values, score };
        if (distribution.screening.done && drawn?.probe === undefined) {
          observeMove(distribution.compass, drawn?.compass, improved, distribution.tuned.length);
          // A compass move is not a draw from the distribution: CMA-ES learns only from its own samples.
          if (drawn?.compass !== undefined) return;
        }
        if (drawn?.probe !== undefined) {
          if (!distribution.screening.done) {
            observeProbe(distribution.screening, drawn.probe, score);
            if (distribution.screening.done) finishScreening(distribution);
          }
          return;
        }
        const full = drawn?.x ?? toCoordinates(distribution, values);
        const x = distribution.tuned.map((index) => full[index] ?? 0);
        const active = drawn?.active === undefined ? undefined : distribution.tuned.map((index) => drawn.active[index] ?? true);
        distribution.buffer.push({ x, score, ...definedOnly({ active }) });
        const restart = distribution.restart;
        if (restart.regime === 'large') restart.evaluationsLarge += 1;
        else restart.evaluationsSmall += 1;
        if (score !== null && (restart.bestScore === null || score > restart.bestScore)) {
          restart.bestScore = score;
          restart.improvedAtGeneration = distribution.cma.generation;
        }
        if (distribution.buffer.length >= distribution.cma.populationSize) {
          distribution.cma.tell(distribution.buffer);
          distribution.buffer = [];
          if (shouldRestart(distribution.cma, restart)) restart.pending = true;
        }
      } catch {
        // observe must never throw; an unparseable child simply teaches nothing.
      }
    },

    saveState(): JsonObject {
      return {
        version: 3,
        clock,
        evolvableFiles,
        distributions: [...distributions.values()].map((distribution) => ({
          key: distribution.key,
          cma: distribution.cma.saveState(),
          scales: distribution.scales,
          stretches: distribution.stretches,
          integers: distribution.integers,
          signs: distribution.signs,
          buffer: distribution.buffer.map((sample) => ({ x: sample.x, score: sample.score, ...definedOnly({ active: sample.active }) })),
          best: distribution.best,
          lastUsed: distribution.lastUsed,
          seen: [...distribution.seen],
          restart: { ...distribution.restart },
          screening: saveScreening(distribution.screening),
          tuned: distribution.tuned,
          base: distribution.base,
          probeSteps: distribution.probeSteps,
          compass: saveCompass(distribution.compass),
        })),
        pending: [...pending.entries()].map(([text, drawn]) => ({
          text,
          x: drawn.x,
          active: drawn.active,
          ...definedOnly({ probe: drawn.probe && { ...drawn.probe }, compass: drawn.compass && { ...drawn.compass } }),
        })),
      };
    },

    restoreState(state: JsonObject): void {
      distributions.clear();
      pending.clear();
      clock = Number(state.clock ?? 0);
      evolvableFiles = Array.isArray(state.evolvableFiles) ? state.evolvableFiles.map(String) : null;
      const saved = Array.isArray(state.distributions) ? state.distributions : [];
      for (const entry of saved) {
        if (!isJsonObject(entry) || !isJsonObject(entry.cma)) continue;
        const best = isJsonObject(entry.best) ? { values: (entry.best.values as number[]).map(Number), score: Number(entry.best.score) } : null;
        const dimension = (entry.scales as number[]).length;
        // Saved before screening existed (version 2): no sweep, every coordinate tuned around zero.
        const screening = restoreScreening(entry.screening) ?? { ...startScreening([], [], null), bestOffsets: [], done: true };
        distributions.set(String(entry.key), {
          key: String(entry.key),
          cma: SepCmaEs.fromState(entry.cma),
          scales: (entry.scales as number[]).map(Number),
          // Saved before stretches existed: every coordinate was plain log scale.
          stretches: Array.isArray(entry.stretches) ? entry.stretches.map(Number) : (entry.scales as number[]).map(() => 1),
          integers: (entry.integers as boolean[]).map(Boolean),
          signs: (entry.signs as number[]).map(Number),
          buffer: (Array.isArray(entry.buffer) ? entry.buffer : []).filter(isJsonObject).map((sample) => ({
            x: (sample.x as number[]).map(Number),
            score: sample.score === null ? null : Number(sample.score),
            ...(Array.isArray(sample.active) ? { active: sample.active.map(Boolean) } : {}),
          })),
          best,
          lastUsed: Number(entry.lastUsed ?? 0),
          seen: new Set(Array.isArray(entry.seen) ? entry.seen.map(String) : []),
          // A version 1 state has no restart bookkeeping: it starts afresh.
          restart: isJsonObject(entry.restart) ? restoreRestartState(entry.restart) : freshRestartState(),
          screening,
          tuned: Array.isArray(entry.tuned) ? entry.tuned.map(Number) : Array.from({ length: dimension }, (_, index) => index),
          base: Array.isArray(entry.base) ? entry.base.map(Number) : Array.from({ length: dimension }, () => 0),
          probeSteps: Array.isArray(entry.probeSteps)
            ? entry.probeSteps.map(Number)
            : (Array.isArray(entry.stretches) ? entry.stretches.map(Number) : (entry.scales as number[]).map(() => 1)).map((stretch) => plainProbe / stretch),
          compass: restoreCompass(entry.compass),
        });
      }
      for (const entry of Array.isArray(state.pending) ? state.pending : []) {
        if (isJsonObject(entry) && Array.isArray(entry.x)) {
          const x = entry.x.map(Number);
          const probe = isJsonObject(entry.probe)
            ? { index: Number(entry.probe.index), offset: Number(entry.probe.offset), ...(entry.probe.combined === true ? { combined: true } : {}) }
            : undefined;
          pending.set(String(entry.text), {
            x,
            active: Array.isArray(entry.active) ? entry.active.map(Boolean) : x.map(() => true),
            ...definedOnly({ probe }),
            ...(isJsonObject(entry.compass) ? { compass: { position: Number(entry.compass.position), step: Number(entry.compass.step) } } : {}),
          });
        }
      }
    },

    distributionCount(): number {
      return distributions.size;
    },
  };

  /** A child from the distribution whose literals were never proposed before, or undefined after `sampleAttempts` tries. */
  function sampleUnseen(
    distribution: Distribution,
    literals: readonly NumericLiteral[],
    key: string,
    parentFiles: Readonly<Record<string, string>>,
    evolvable: readonly string[],
    random: OperatorContext['random'],
  ): CandidateProposal | undefined {
    // Integers must be able to move by one unit; CMA-ES may otherwise shrink them to a standstill.
    // Generations alternate between moving every literal and moving about two of them: when
    // changing some literals breaks the program, sparse moves still find the ones that help.
    const dimension = distribution.tuned.length;
    const activeProbability = dimension > 2 && distribution.cma.generation % 2 === 1 ? 2 / dimension : 1;
    for (let attempt = 0; attempt < sampleAttempts; attempt += 1) {
      // Integers can round back to values already tried; widen the search each time, so a small
      // integer whose neighbours were all tried gets far values rather than none.
      if (attempt > 0 && attempt % 2 === 0) distribution.cma.scaleSigma(2);
      const sample = distribution.cma.sample(random, activeProbability);
      const x = [...distribution.base];
      const active = distribution.base.map(() => false);
      distribution.tuned.forEach((index, position) => {
        x[index] = sample.x[position]!;
        active[index] = sample.active[position]!;
      });
      const proposal = childOf(distribution, literals, key, parentFiles, evolvable, x, { x, active });
      if (proposal !== undefined) return proposal;
    }
    return undefined;
  }

  /** The child with these coordinates, remembered as drawn; undefined when it repeats the parent or a child already proposed. */
  function childOf(
    distribution: Distribution,
    literals: readonly NumericLiteral[],
    key: string,
    parentFiles: Readonly<Record<string, string>>,
    evolvable: readonly string[],
    x: readonly number[],
    drawn: Drawn,
  ): CandidateProposal | undefined {
    const files = writeNumericLiterals(parentFiles, literals, toValues(distribution, x));
    if (sameFiles(files, parentFiles)) return undefined;
    const text = pendingKey(key, scan(files, evolvable).literals, files);
    if (distribution.seen.has(text)) return undefined;
    distribution.seen.add(text);
    if (distribution.seen.size > maxSeen) distribution.seen.delete(distribution.seen.values().next().value!);
    rememberPending(text, drawn);
    return {
      files,
      diff: unifiedDiffOfFiles(parentFiles, files),
      operator: operatorName,
      model: null,
      prompt: null,
      reply: null,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    };
  }

  /** The next screening probe as a child, or undefined when the screening is over or waits for results (then CMA-ES draws meanwhile). */
  function proposeProbe(
    distribution: Distribution,
    literals: readonly NumericLiteral[],
    key: string,
    parentFiles: Readonly<Record<string, string>>,
    evolvable: readonly string[],
  ): CandidateProposal | undefined {
    const screening = distribution.screening;
    while (!screening.done) {
      const probe = nextProbe(screening);
      if (probe === undefined) return undefined;
      const x = probeCoordinates(screening, probe);
      const proposal = childOf(distribution, literals, key, parentFiles, evolvable, x, { x, active: x.map(() => true), probe });
      if (proposal !== undefined) return proposal;
      // An integer probe that rounds back to the start, or a repeat: nothing to learn from it.
      skipProbe(screening, probe);
      if (screening.done) finishScreening(distribution);
    }
    return undefined;
  }

  /** A compass move from the best point as a child, or undefined when a whole sweep of moves only repeats programs already tried. */
  function proposeMove(
    distribution: Distribution,
    literals: readonly NumericLiteral[],
    key: string,
    parentFiles: Readonly<Record<string, string>>,
    evolvable: readonly string[],
  ): CandidateProposal | undefined {
    const dimension = distribution.tuned.length;
    const center = distribution.best === null ? distribution.base : toCoordinates(distribution, distribution.best.values);
    for (let attempt = 0; attempt < 2 * dimension; attempt += 1) {
      const move = nextMove(distribution.compass, dimension);
      const { position, step } = move;
      const index = distribution.tuned[position]!;
      const x = [...center];
      x[index] = x[index]! + step * distribution.probeSteps[index]!;
      const active = x.map((_, coordinate) => coordinate === index);
      const proposal = childOf(distribution, literals, key, parentFiles, evolvable, x, { x, active, compass: move });
      if (proposal !== undefined) return proposal;
      skipMove(distribution.compass, dimension);
    }
    return undefined;
  }

  /** Centres a new distribution on the best point found, over the literals that changed the score. */
  function finishScreening(distribution: Distribution): void {
    const tuned = screenedCoordinates(distribution.screening);
    const center = distribution.best === null ? [...distribution.base] : toCoordinates(distribution, distribution.best.values);
    distribution.tuned = tuned;
    distribution.base = center;
    distribution.cma = new SepCmaEs(
      tuned.map((index) => center[index]!),
      initialStep,
      options.populationSize,
    );
    distribution.buffer = [];
    distribution.compass = startCompass();
    distribution.restart.pending = false;
    distribution.restart.bestScore = null;
    distribution.restart.improvedAtGeneration = 0;
  }

  /**
   * A BIPOP restart around the best values found: the small regime (default population or less, a
   * step 10^(-2u) of the initial one) whenever it has spent less than the large regime, otherwise
   * the large regime with its population doubled.
   */
  function restartDistribution(distribution: Distribution, random: OperatorContext['random']): void {
    const restart = distribution.restart;
    const defaultPopulation = options.populationSize ?? defaultPopulationSize(distribution.tuned.length);
    if (distribution.best !== null) distribution.base = toCoordinates(distribution, distribution.best.values);
    const base = distribution.base;
    const center = distribution.best === null ? [...distribution.cma.mean] : distribution.tuned.map((index) => base[index]!);
    restart.count += 1;
    restart.pending = false;
    restart.bestScore = null;
    if (restart.count > 1 && restart.evaluationsSmall < restart.evaluationsLarge) {
      const u = random.next();
      const largePopulation = defaultPopulation * restart.largeMultiplier;
      const population = Math.max(2, Math.floor(defaultPopulation * (0.5 * largePopulation / defaultPopulation) ** (u * u)));
      restart.regime = 'small';
      distribution.cma = new SepCmaEs(center, initialStep * 10 ** (-2 * random.next()), population);
    } else {
      restart.largeMultiplier *= 2;
      restart.regime = 'large';
      distribution.cma = new SepCmaEs(center, initialStep, defaultPopulation * restart.largeMultiplier);
    }
    restart.improvedAtGeneration = 0;
    distribution.buffer = [];
  }

  function rememberPending(text: string, drawn: Drawn): void {
    pending.delete(text);
    pending.set(text, drawn);
    while (pending.size > maxPending) pending.delete(pending.keys().next().value!);
  }
}

/** A child's draw: full coordinates, the ones CMA-ES moved, and the screening probe it was, if one. */
interface Drawn {
  x: number[];
  active: boolean[];
  probe?: Probe;
  /** The compass move it was, which CMA-ES does not learn from. */
  compass?: CompassMove;
}

/** How far a coordinate may go from the start (see reflect): three decades for a real, two for an integer, in coordinate units. */
function coordinateBound(sign: number, integer: boolean, stretch: number): number {
  return sign === 0 ? zeroBound : (integer ? integerBound : realBound) / stretch;
}





/** Folds a coordinate back into [-bound, bound] (mirror reflection), so CMA-ES sees no flat region at the edge. */
function reflect(coordinate: number, bound: number): number {
  if (!Number.isFinite(coordinate)) return 0;
  const period = 4 * bound;
  let shifted = (((coordinate + bound) % period) + period) % period;
  if (shifted > 2 * bound) shifted = period - shifted;
  return shifted - bound;
}

function sameFiles(left: Readonly<Record<string, string>>, right: Readonly<Record<string, string>>): boolean {
  return Object.keys(left).every((key) => left[key] === right[key]);
}
