export { SchemaVersionError } from '../sql/schema-version.ts';
export { type OpenPostgresAdaptersOptions, openPostgresAdapters, type PostgresAdapters } from './adapters.ts';
export { DatabaseUrlError, databaseUrlProblem, redactDatabaseUrl } from './connection-url.ts';
export {
  bestSample,
  type ClockSample,
  type DatabaseClock,
  type DatabaseClockOptions,
  offsetOf,
  openDatabaseClock,
} from './database-clock.ts';
export {
  createPostgresLeaderLock,
  type PostgresLeaderLock,
  type PostgresLeaderLockOptions,
} from './leader-lock.ts';
export { checkPostgresSchema, migratePostgres, SchemaBehindError } from './migrate.ts';
export {
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
  type OpenPostgresOptions,
  openPostgres,
  type PostgresHandle,
  type PostgresLog,
} from './open.ts';
export { isUnavailable, translatePgError } from './pg-errors.ts';
export {
  defaultChannel,
  openPostgresWorkSignal,
  type PostgresWorkSignal,
  type PostgresWorkSignalOptions,
} from './work-signal.ts';
