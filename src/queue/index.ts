export * from './types.ts';
export { SqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue.ts';
export { openJobQueue } from './open-job-queue.ts';
export { PgBossJobQueue, type PgBossJobQueueOptions } from './pg-boss-job-queue.ts';
