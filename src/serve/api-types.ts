/**
 * The shapes of the dashboard's JSON API (`/api/...`). The server builds them in `queries/`; the
 * pages under `web/` import these types, so both sides change together. Numbers that JSON cannot
 * carry arrive as the strings "NaN", "Infinity" and "-Infinity" (see safe-json.ts), hence `Score`.
 */
export type Score = number | 'NaN' | 'Infinity' | '-Infinity' | null;

export interface SessionInfo {
  version: string;
  store: { kind: string; location: string };
  /** Whether this server was started with a token (then write actions are possible). */
  tokenConfigured: boolean;
  /** Whether this request carried the token (cookie or header). */
  authenticated: boolean;
  pollMs: number;
}

export interface RunRow {
  id: string;
  kind: string;
  name: string;
  status: string;
  bestScore: Score;
  /** Evolve: child attempts; learn: tasks; agent: steps. */
  iterations: number | null;
  costUsd: number | null;
  tokens: number | null;
  durationMs: number | null;
  createdAt: number;
  updatedAt: number;
  /** For agent runs started by a learn run: what the attempt was for (train, holdout, probe...). */
  purpose: string | null;
}

export interface RunList {
  runs: RunRow[];
  total: number;
  offset: number;
  limit: number;
}

export interface RunDetail {
  row: RunRow;
  config: unknown;
  summary: unknown;
  /** Evolve runs: the initial and the best program. */
  initial: ProgramRow | null;
  best: ProgramRow | null;
  programCount: number;
  failureCount: number;
  stopMessage: string | null;
}

export interface ProgramRow {
  id: string;
  sequence: number;
  parentId: string | null;
  island: number;
  generation: number;
  operator: string;
  status: string;
  score: Score;
  failureKind: string | null;
  model: string | null;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
  createdAt: number;
  evaluateMs: number;
}

export interface ProgramPage {
  programs: ProgramRow[];
  total: number;
  offset: number;
  limit: number;
}

export interface SeriesIsland {
  island: number;
  best: (number | null)[];
  mean: (number | null)[];
}

export interface ScoreSeries {
  /** The last sequence number in each bucket: the x axis. */
  x: number[];
  time: number[];
  best: (number | null)[];
  mean: (number | null)[];
  islands: SeriesIsland[];
  /** Cumulative at the end of each bucket. */
  costUsd: number[];
  tokens: number[];
  /** Attempts per model in each bucket. */
  models: { model: string; counts: number[] }[];
  bucketSize: number;
  total: number;
}

export interface TreeNode {
  id: string;
  parentId: string | null;
  sequence: number;
  generation: number;
  island: number;
  operator: string;
  status: string;
  score: Score;
  failureKind: string | null;
  childCount: number;
  best: boolean;
  /** Evaluated, but no longer in the population (evicted by MAP-Elites or the island cap). */
  ghost: boolean;
}

export interface TreeSlice {
  /** Programs in the run: the tree's full node count. */
  total: number;
  nodes: TreeNode[];
  /** Loaded nodes whose children were not (all) loaded: expand them with `?root=<id>`. */
  truncated: string[];
  rootIds: string[];
}

export interface PopulationView {
  islands: { index: number; size: number; bestId: string | null; bestScore: Score; meanScore: Score; migrationsOut: number; migrationsIn: number }[];
  dimensions: { name: string; bins: number; min: number; max: number }[];
  cells: { island: number; coordinates: number[]; programId: string; score: Score }[];
  archive: { size: number; capacity: number };
  members: number;
  evicted: number;
  /** Set when the problem directory could not be read and default settings were assumed. */
  note: string | null;
  computedAt: number;
  programs: number;
}

export interface FailureRow {
  id: string;
  sequence: number;
  status: string;
  operator: string;
  parentId: string | null;
  failure: Record<string, unknown> | null;
  /** The end of the evaluator's stderr, when it wrote any. */
  stderrTail: string | null;
  exitCode: unknown;
  signal: unknown;
  stage: unknown;
}

export interface FailureReport {
  byKind: { kind: string; status: string; count: number }[];
  total: number;
  items: FailureRow[];
  offset: number;
  limit: number;
}

export interface ModelReport {
  models: {
    model: string;
    attempts: number;
    evaluated: number;
    failed: number;
    improved: number;
    costUsd: number;
    tokensIn: number;
    tokensOut: number;
  }[];
  operators: { operator: string; attempts: number; evaluated: number; failed: number; improved: number; meanDelta: number | null }[];
  /** The model bandit as of the last checkpoint; null without an ensemble. */
  bandit: BanditReport | null;
  /** The adaptive operator mix's bandit as of the last checkpoint; null when the mix is fixed or one operator runs. */
  operatorBandit: BanditReport | null;
}

/** A bandit's arms scored as the bandit scores them (src/evolve/bandit-view.ts has the meaning of each field). */
export interface BanditReport {
  settings: { costCoefficient: number; epsilon: number; exploration: number; countImprovements: boolean; saved: boolean };
  arms: {
    arm: string;
    weight: number;
    pulls: number;
    improvementSum: number;
    costSum: number;
    meanReward: number;
    bonus: number | null;
    nextPickChance: number;
  }[];
}

export interface InsightsReport {
  current: string[];
  history: { iteration: number | null; at: number; insights: string[] }[];
  notices: { at: number; level: string; message: string }[];
}

export interface ThroughputReport {
  time: number[];
  evaluationsPerMinute: number[];
  /** Mean evaluations in flight over each bucket, from each program's recorded timing (its wait for a slot excluded). */
  evaluationOccupancy: number[];
  proposalOccupancy: number[];
  slots: { proposals: number | null; evaluations: number | null };
  meanEvaluateMs: number | null;
  meanProposeMs: number | null;
  /** Mean time an evaluated candidate waited for a slot after its proposal; null when none was evaluated. */
  meanQueuedMs: number | null;
}

export interface ProgramDetail {
  program: Record<string, unknown>;
  run: { id: string; name: string; kind: string } | null;
  parent: ProgramRow | null;
  inspirations: ProgramRow[];
  children: ProgramRow[];
  childCount: number;
  diffToParent: string | null;
  diffToInitial: string | null;
  initialId: string | null;
  ghost: boolean | null;
}

export interface LearnReport {
  curve: Record<string, unknown>[];
  gates: {
    taskId: string;
    decision: 'committed' | 'rejected';
    proposal: Record<string, unknown> | null;
    version: number | null;
    reason: string | null;
    figures: Record<string, unknown> | null;
    problems: string[];
  }[];
  tasks: { taskId: string; passed: boolean | null; answer: string | null; verdict: unknown; trajectoryIds: string[] }[];
  events: number;
}

export interface TrajectoryRow {
  id: string;
  runId: string | null;
  taskId: string | null;
  task: string;
  status: string;
  model: string | null;
  steps: number | null;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
  createdAt: number;
}

export interface TrajectoryDetail {
  trajectory: Record<string, unknown>;
  steps: { index: number; type: string; at: number; data: unknown }[];
}

export interface ArtifactRow {
  kind: string;
  name: string;
  status: string;
  version: number;
  versions: number;
  utility: number;
  uses: number;
  successes: number;
  helpful: number;
  harmful: number;
  updatedAt: number;
  summary: string;
}

export interface ArtifactDetail {
  artifact: ArtifactRow;
  versions: {
    number: number;
    id: string;
    head: boolean;
    message: string;
    createdAt: number;
    content: unknown;
    text: string;
    evaluation: unknown;
    trajectories: { id: string; taskId: string | null; task: string | null; runId: string | null }[];
  }[];
}

export interface CompareSeries {
  runs: { id: string; name: string; kind: string; x: number[]; best: (number | null)[] }[];
}

/** What the live stream sends: a run (or the run list) changed; pages refetch what they show. */
export interface LiveUpdate {
  type: 'runs' | 'run';
  runId: string | null;
  programs?: number;
  events?: number;
  status?: string;
}
