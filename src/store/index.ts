export * from './types.ts';
export { newArtifactRecord, newVersionRecord } from './record-builders.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { openStore, openStoreTarget, defaultStorePath, type OpenStoreOptions } from './open-store.ts';
export {
  resolveStoreTarget,
  redactStoreUrl,
  isPostgresUrl,
  looksLikeStoreUrl,
  defaultPostgresSchema,
  type StoreTarget,
  type PostgresConnectionSettings,
  type PostgresTuning,
} from './store-url.ts';
export { latestPostgresSchemaVersion, postgresMigrations, type PostgresMigration } from './postgres/migrations.ts';
export { latestSchemaVersion, migrations, type Migration } from './sqlite/migrations.ts';
export {
  RunLease,
  RunLeaseHeldError,
  readRunLease,
  leaseExpired,
  runLeaseScope,
  defaultLeaseTimeToLiveMs,
  type RunLeaseRecord,
  type RunLeaseOptions,
} from './run-lease.ts';
export { runStatusView, shownRunStatus, type ShownRunStatus, type RunStatusView, type RunStatusOptions } from './run-status.ts';
