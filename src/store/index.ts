export * from './types.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { openStore, defaultStorePath, type OpenStoreOptions } from './open-store.ts';
export { latestSchemaVersion, migrations, type Migration } from './sqlite/migrations.ts';
