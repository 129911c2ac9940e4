export { createQueueEvaluator, type QueueEvaluatorOptions } from './queue-evaluator.ts';
export { startEvaluationWorker, type EvaluationWorkerOptions, type WorkerEvent, type WorkerSummary } from './evaluation-worker.ts';
export { buildEvaluationJob, parseEvaluationJob, defaultEvaluationQueue, evaluationJobFormat, type EvaluationJobPayload, type EvaluationJobResult } from './evaluation-job.ts';
export { takeProblemSnapshot, saveProblemSnapshot, materializeProblemSnapshot, defaultSnapshotLimitBytes, type ProblemSnapshot } from './problem-snapshot.ts';
export { readOccupancy, describeOccupancy, occupancyScope, type OccupancyReport } from './worker-occupancy.ts';
