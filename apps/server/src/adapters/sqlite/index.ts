export { openSqliteAdapters, type SqliteAdapters } from './adapters.ts';
export { SchemaVersionError } from './migrate.ts';
export { type OpenSqliteOptions, openSqlite, type SqliteHandle, type SqliteSynchronous } from './open.ts';
