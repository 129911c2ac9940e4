export { loadProblem, parseProblemConfig, defaultFeatures } from './load-problem.ts';
export { problemConfigSchema, type ProblemConfig, type ProblemConfigInput } from './problem-config.ts';
export {
  findEvolveBlocks,
  blockInteriors,
  blockSkeleton,
  replaceBlockInteriors,
  isMarkerLine,
  containsMarker,
  EvolveBlockError,
  type EvolveBlock,
} from '../evolve-blocks.ts';
