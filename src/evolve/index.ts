/**
 * `lamarck/evolve`: program evolution. `evolve()` runs or resumes a search; the parts (database,
 * selection, novelty, operators, evaluators, prompts, bandit) are exported for custom loops.
 */
export * from './types.ts';
export { evolve, type EvolveHandle, type EvolveOptions } from './evolve.ts';
export type { EvolveEvent, EvolveEventType, EvolveSummary, RunTotals, EvolveStopReason, UsageSummary } from './engine/events.ts';
export { EvolutionEngine, type EngineOptions } from './engine/evolution-engine.ts';
export { parseEngineSettings, defaultOperatorWeights, type EngineSettings, type EngineSettingsInput } from './engine/engine-settings.ts';
export { createWeightedModelChooser, type InsightsRefresher, type ModelChooser, type ProgramOutcome } from './engine/collaborators.ts';
export { standardOperators } from './engine/default-collaborators.ts';
export { checkpointVersion, loadCheckpoint, type EngineCheckpoint } from './engine/checkpoint.ts';
export { rebuildDatabase, type RebuiltRun } from './engine/rebuild-database.ts';
export {
  ProgramDatabase,
  defaultDatabaseSettings,
  type DatabaseSettings,
  type MigrationMove,
  type NewProgramEntry,
} from './database/program-database.ts';
export type { Placement, ProgramInfo, FailedProgramInfo } from './database/program-entry.ts';
export { ParetoFront, type Objective, type ObjectiveGoal, type FrontMember, type ParetoFrontSummary } from './database/pareto-front.ts';
export { FeatureSpace } from './database/feature-grid.ts';
export {
  fingerprintText,
  encodeFingerprint,
  decodeFingerprint,
  estimateSimilarity,
  exactSimilarity,
  programText,
  type TextFingerprint,
} from './database/text-fingerprint.ts';
export {
  selectParent,
  selectionWeight,
  islandStatistics,
  weightedDraw,
  defaultParentSelection,
  type ParentChoice,
  type ParentSelectionSettings,
} from './select-parent.ts';
export { selectInspirations, defaultInspirations, type InspirationSettings } from './select-inspirations.ts';
export { NoveltyFilter, defaultNovelty, cosine, type NoveltySettings, type NoveltyVerdict } from './novelty.ts';
export { loadProblem, parseProblemConfig } from './problem/index.ts';
export { createEvaluator, type EvaluatorOptions } from './evaluate/index.ts';
export {
  createLlmDiffOperator,
  createLlmRewriteOperator,
  createLlmCrossoverOperator,
  createRepairOperator,
  createNumericTuneOperator,
  createReflectiveOperator,
  reflectiveOperatorName,
  failingCasesOf,
  defaultReflection,
  type ReflectionSettings,
  ProposalRejectedError,
} from './operators/index.ts';
export { createInsightsRefresher } from './prompt/index.ts';
export { createModelBandit, createBanditModelChooser, type ModelBandit } from './model-bandit.ts';
