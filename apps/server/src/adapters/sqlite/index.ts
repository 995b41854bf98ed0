export { createSqliteAccessStore } from './access-store.ts';
export { openSqliteAdapters, type SqliteAdapters } from './adapters.ts';
export { SchemaVersionError } from './migrate.ts';
export { type OpenSqliteOptions, openSqlite, type SqliteHandle, type SqliteSynchronous } from './open.ts';
export { createSqliteRunnerStore } from './runner-store.ts';
export { createSqliteTaskStore } from './task-store.ts';
export { createSqliteWorkQueue } from './work-queue.ts';
