export * from './types.ts';
export { SqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue.ts';
