import { LamarckError } from '../../core/errors.ts';
import { isJsonObject, type JsonObject } from '../../core/json.ts';
import { operatorSpecificationVersion, type EvaluationResult, type Operator, type OperatorContext, type ProgramSnapshot, type Proposal } from '../types.ts';
import { scanNumericLiterals, writeNumericLiterals, type NumericLiteral } from './numeric-literals.ts';
import { SepCmaEs, type ScoredSample } from './sep-cma-es.ts';
import { unifiedDiffOfFiles } from './unified-diff.ts';

/**
 * Model-free tuning of the numeric literals inside the EVOLVE-BLOCKs. The literals of a program
 * form a vector; children are drawn from a separable CMA-ES distribution, one per program
 * structure (the code with its literals blanked), and every evaluated child updates it. A non-zero
 * literal is searched on a log scale relative to its starting value (coordinate 0 is the start,
 * a step of 0.25 is about 25% either way), which keeps its sign without clamping: sign flips
 * usually break programs, and a clamp would leave flat regions where CMA-ES drifts. Integers stay
 * integers (at least 2 in magnitude, since 0 and 1 are not tuned). Generations alternate between
 * moving every literal and moving about two, so literals that break the program when changed do
 * not hide the ones that help.
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
  integers: boolean[];
  /** +1 / -1 keeps the sign of the initial value; 0 leaves it free. */
  signs: number[];
  buffer: ScoredSample[];
  best: { values: number[]; score: number } | null;
  lastUsed: number;
}

const operatorName = 'numeric-tune';
const maxPending = 512;
const sampleAttempts = 12;

export function createNumericTuneOperator(options: NumericTuneOptions = {}): Operator & { distributionCount(): number } {
  const initialStep = options.initialStep ?? 0.25;
  const maxDimensions = options.maxDimensions ?? 64;
  const maxStructures = options.maxStructures ?? 16;
  const distributions = new Map<string, Distribution>();
  // Unrounded samples by the literal text they were written as, so `observe` can tell CMA-ES the exact draw.
  const pending = new Map<string, { x: number[]; active: boolean[] }>();
  let clock = 0;
  // The problem's evolvable files, in its order (literal order and structure keys depend on it).
  let evolvableFiles: string[] | null = null;

  const scan = (files: Readonly<Record<string, string>>, evolvable: readonly string[]): { literals: NumericLiteral[]; key: string } => {
    const { literals, structureKey } = scanNumericLiterals(files, evolvable);
    return { literals: literals.slice(0, maxDimensions), key: `${structureKey}:${Math.min(literals.length, maxDimensions)}` };
  };

  const distributionFor = (key: string, literals: readonly NumericLiteral[]): Distribution => {
    let distribution = distributions.get(key);
    if (distribution === undefined) {
      const scales = literals.map((literal) => (literal.value === 0 ? 1 : Math.abs(literal.value)));
      const mean = literals.map(() => 0);
      distribution = {
        key,
        cma: new SepCmaEs(mean, initialStep, options.populationSize),
        scales,
        integers: literals.map((literal) => literal.integer),
        signs: literals.map((literal) => Math.sign(literal.value)),
        buffer: [],
        best: null,
        lastUsed: 0,
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
    x.map((coordinate, index) => {
      const scale = distribution.scales[index]!;
      const sign = distribution.signs[index]!;
      let value = sign === 0 ? coordinate * scale : sign * scale * Math.exp(Math.max(-50, Math.min(50, coordinate)));
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
      return Math.sign(value) === sign ? Math.log(Math.abs(value) / scale) : 0;
    });

  const pendingKey = (key: string, literals: readonly NumericLiteral[], files: Readonly<Record<string, string>>): string =>
    `${key}|${literals.map((literal) => files[literal.file]!.slice(literal.start, literal.end)).join(',')}`;

  return {
    specificationVersion: operatorSpecificationVersion,
    name: operatorName,
    needsModel: false,

    propose(context: OperatorContext): Promise<Proposal> {
      const { problem, parent } = context;
      evolvableFiles = [...problem.evolvableFiles];
      const { literals, key } = scan(parent.files, problem.evolvableFiles);
      if (literals.length === 0) {
        return Promise.reject(new OperatorNotApplicableError(operatorName, 'the EVOLVE-BLOCKs of the parent hold no numeric literals to tune'));
      }
      const distribution = distributionFor(key, literals);
      // Integers must be able to move by one unit; CMA-ES may otherwise shrink them to a standstill.
      // Generations alternate between moving every literal and moving about two of them: when
      // changing some literals breaks the program, sparse moves still find the ones that help.
      const dimension = literals.length;
      const activeProbability = dimension > 2 && distribution.cma.generation % 2 === 1 ? 2 / dimension : 1;
      for (let attempt = 0; attempt < sampleAttempts; attempt += 1) {
        // Integers can round back to the parent's values; widen the search a little each time.
        if (attempt > 0 && attempt % 3 === 0) distribution.cma.scaleSigma(1.5);
        const { x, active } = distribution.cma.sample(context.random, activeProbability);
        const files = writeNumericLiterals(parent.files, literals, toValues(distribution, x));
        if (sameFiles(files, parent.files)) continue;
        rememberPending(pendingKey(key, scan(files, problem.evolvableFiles).literals, files), { x, active });
        return Promise.resolve({
          files,
          diff: unifiedDiffOfFiles(parent.files, files),
          operator: operatorName,
          model: null,
          prompt: null,
          reply: null,
          usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
        });
      }
      return Promise.reject(new OperatorNotApplicableError(operatorName, 'every sample rounded back to the parent; the distribution has converged'));
    },

    observe(outcome: { parent: ProgramSnapshot; proposal: Proposal; result: EvaluationResult }): void {
      if (outcome.proposal.operator !== operatorName) return;
      try {
        if (evolvableFiles === null) return;
        const { literals, key } = scan(outcome.proposal.files, evolvableFiles);
        const distribution = distributions.get(key);
        if (distribution === undefined || literals.length !== distribution.scales.length) return;
        const values = literals.map((literal) => literal.value);
        const drawn = pending.get(pendingKey(key, literals, outcome.proposal.files));
        const x = drawn?.x ?? toCoordinates(distribution, values);
        const score = outcome.result.ok && outcome.result.score !== null && Number.isFinite(outcome.result.score) ? outcome.result.score : null;
        if (score !== null && (distribution.best === null || score > distribution.best.score)) distribution.best = { values, score };
        distribution.buffer.push({ x, score, ...(drawn === undefined ? {} : { active: drawn.active }) });
        if (distribution.buffer.length >= distribution.cma.populationSize) {
          distribution.cma.tell(distribution.buffer);
          distribution.buffer = [];
        }
      } catch {
        // observe must never throw; an unparseable child simply teaches nothing.
      }
    },

    saveState(): JsonObject {
      return {
        version: 1,
        clock,
        evolvableFiles,
        distributions: [...distributions.values()].map((distribution) => ({
          key: distribution.key,
          cma: distribution.cma.saveState(),
          scales: distribution.scales,
          integers: distribution.integers,
          signs: distribution.signs,
          buffer: distribution.buffer.map((sample) => ({ x: sample.x, score: sample.score, ...(sample.active === undefined ? {} : { active: sample.active }) })),
          best: distribution.best,
          lastUsed: distribution.lastUsed,
        })),
        pending: [...pending.entries()].map(([text, drawn]) => ({ text, x: drawn.x, active: drawn.active })),
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
        distributions.set(String(entry.key), {
          key: String(entry.key),
          cma: SepCmaEs.fromState(entry.cma),
          scales: (entry.scales as number[]).map(Number),
          integers: (entry.integers as boolean[]).map(Boolean),
          signs: (entry.signs as number[]).map(Number),
          buffer: (Array.isArray(entry.buffer) ? entry.buffer : []).filter(isJsonObject).map((sample) => ({
            x: (sample.x as number[]).map(Number),
            score: sample.score === null ? null : Number(sample.score),
            ...(Array.isArray(sample.active) ? { active: sample.active.map(Boolean) } : {}),
          })),
          best,
          lastUsed: Number(entry.lastUsed ?? 0),
        });
      }
      for (const entry of Array.isArray(state.pending) ? state.pending : []) {
        if (isJsonObject(entry) && Array.isArray(entry.x)) {
          const x = entry.x.map(Number);
          pending.set(String(entry.text), { x, active: Array.isArray(entry.active) ? entry.active.map(Boolean) : x.map(() => true) });
        }
      }
    },

    distributionCount(): number {
      return distributions.size;
    },
  };

  function rememberPending(text: string, drawn: { x: number[]; active: boolean[] }): void {
    pending.delete(text);
    pending.set(text, drawn);
    while (pending.size > maxPending) pending.delete(pending.keys().next().value!);
  }
}

function sameFiles(left: Readonly<Record<string, string>>, right: Readonly<Record<string, string>>): boolean {
  return Object.keys(left).every((key) => left[key] === right[key]);
}
