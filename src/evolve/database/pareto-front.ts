import type { JsonObject } from '../../core/json.ts';
import type { ProgramInfo } from './program-entry.ts';

/**
 * The Pareto front of a run over several evaluator metrics (`settings.objectives`): the programs no
 * other evaluated program dominates, i.e. beats on one objective without being worse on another.
 * A cheap-but-weaker and a strong-but-costly program both stay; a program that is weaker and
 * costlier than one of them does not. The front is a function of the programs added in order, so
 * a resumed run that adds the stored programs again gets the same front (no checkpoint needed).
 *
 * Equal objective values: the older program stays and the newer one does not join, as the elite
 * archive keeps the older of two equal scores. Over `capacity` members, the member whose
 * neighbours on the front are closest (the smallest NSGA-II crowding distance) leaves, so the
 * extremes of every objective are always kept.
 */
export type ObjectiveGoal = 'maximize' | 'minimize';

export interface Objective {
  /** An evaluator metric name; `combined_score` is the program's score when the metrics lack it. */
  metric: string;
  goal: ObjectiveGoal;
}

export interface FrontMember {
  info: ProgramInfo;
  /** The objective values as the evaluator reported them (not negated), in objective order. */
  values: number[];
}

/** The front as a run's summary reports it: its metrics and its members. */
export interface ParetoFrontSummary {
  objectives: Objective[];
  /** Best first by the first objective; each with its combined score and its objective values. */
  members: Array<{ programId: string; score: number; objectives: Record<string, number> }>;
}

export class ParetoFront {
  readonly objectives: readonly Objective[];
  readonly capacity: number;
  private readonly entries: FrontMember[] = [];
  private readonly ids = new Set<string>();

  constructor(objectives: readonly Objective[], capacity: number) {
    this.objectives = objectives;
    this.capacity = Math.max(2, Math.floor(capacity));
  }

  get size(): number {
    return this.entries.length;
  }

  has(programId: string): boolean {
    return this.ids.has(programId);
  }

  /** Members in the order they joined. */
  members(): readonly FrontMember[] {
    return this.entries;
  }

  summary(): ParetoFrontSummary {
    const first = this.objectives[0]!;
    const ordered = [...this.entries].sort((left, right) => {
      const difference = first.goal === 'maximize' ? right.values[0]! - left.values[0]! : left.values[0]! - right.values[0]!;
      return difference || left.info.sequence - right.info.sequence;
    });
    return {
      objectives: this.objectives.map((objective) => ({ ...objective })),
      members: ordered.map((member) => ({
        programId: member.info.id,
        score: member.info.score,
        objectives: Object.fromEntries(this.objectives.map((objective, index) => [objective.metric, member.values[index]!])),
      })),
    };
  }

  /** The program's objective values, or undefined when a metric is missing or not a finite number (such a program is not ranked). */
  valuesOf(score: number, metrics: JsonObject): number[] | undefined {
    const values = this.objectives.map((objective) => objectiveValue(objective, score, metrics));
    return values.every((value) => value !== undefined) ? values : undefined;
  }

  /** The objective metrics a program's evaluation gave no finite value for. */
  missingMetrics(score: number, metrics: JsonObject): string[] {
    return this.objectives.filter((objective) => objectiveValue(objective, score, metrics) === undefined).map((objective) => objective.metric);
  }

  /** Offers an evaluated program; returns whether it joined the front (members it dominates leave). */
  offer(info: ProgramInfo, values: readonly number[]): boolean {
    if (this.ids.has(info.id)) return false;
    if (this.entries.some((member) => this.dominatesOrEquals(member.values, values))) return false;
    for (let index = this.entries.length - 1; index >= 0; index -= 1) {
      const member = this.entries[index]!;
      if (this.dominatesOrEquals(values, member.values)) this.removeAt(index);
    }
    this.entries.push({ info, values: [...values] });
    this.ids.add(info.id);
    if (this.entries.length > this.capacity) this.removeAt(this.mostCrowded());
    return this.ids.has(info.id);
  }

  /** Whether `left` is at least as good as `right` on every objective (equal counts: the older member keeps its place). */
  private dominatesOrEquals(left: readonly number[], right: readonly number[]): boolean {
    return this.objectives.every((objective, index) => (objective.goal === 'maximize' ? left[index]! >= right[index]! : left[index]! <= right[index]!));
  }

  private removeAt(index: number): void {
    const [removed] = this.entries.splice(index, 1);
    if (removed !== undefined) this.ids.delete(removed.info.id);
  }

  /** The member with the smallest crowding distance; on a tie the newest, so the front's older members are stable. */
  private mostCrowded(): number {
    const distances = new Array<number>(this.entries.length).fill(0);
    this.objectives.forEach((_, objective) => {
      const order = this.entries.map((member, index) => ({ value: member.values[objective]!, index })).sort((left, right) => left.value - right.value || left.index - right.index);
      const low = order[0]!.value;
      const high = order[order.length - 1]!.value;
      distances[order[0]!.index] = Number.POSITIVE_INFINITY;
      distances[order[order.length - 1]!.index] = Number.POSITIVE_INFINITY;
      if (!(high > low)) return;
      for (let position = 1; position < order.length - 1; position += 1) {
        distances[order[position]!.index]! += (order[position + 1]!.value - order[position - 1]!.value) / (high - low);
      }
    });
    let chosen = 0;
    distances.forEach((distance, index) => {
      if (distance <= distances[chosen]!) chosen = index;
    });
    return chosen;
  }
}

function objectiveValue(objective: Objective, score: number, metrics: JsonObject): number | undefined {
  const raw = metrics[objective.metric] ?? (objective.metric === 'combined_score' ? score : undefined);
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
}
