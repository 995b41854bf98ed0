/** The SQL-backed ports over one embedded database file. */
import { createSqlAdapters, type SqlAdapters } from '../sql/adapters.ts';
import { type OpenSqliteOptions, openSqlite, type SqliteHandle } from './open.ts';

export type SqliteAdapters = SqlAdapters<SqliteHandle>;

export function openSqliteAdapters(options: OpenSqliteOptions): SqliteAdapters {
  return createSqlAdapters(openSqlite(options));
}
