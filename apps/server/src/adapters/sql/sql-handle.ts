/**
 * What the SQL adapters need of a database, whichever engine holds it: Kysely over one schema, a
 * way to run compiled queries (prepared.ts), and write transactions. The embedded SQLite file
 * (adapters/sqlite) and PostgreSQL (adapters/postgres) each provide one; the stores in this folder
 * are written once against it (house rule 4: one implementation, one conformance suite, two engines).
 */
import { type CompiledQuery, type Kysely, type QueryResult, sql } from 'kysely';
import type { SqlSchema } from './schema.ts';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface SqlHandle {
  readonly dialect: SqlDialectName;
  readonly db: Kysely<SqlSchema>;
  /** Runs one compiled query outside any transaction, the fastest way the engine offers. */
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /**
   * One write transaction. SQLite: BEGIN IMMEDIATE, so writers are serialised and a read inside
   * sees what the write will change. PostgreSQL: READ COMMITTED; code that reads before it writes
   * locks what it read (`forUpdate` below) or relies on a unique index.
   */
  transaction<T>(fn: (trx: Kysely<SqlSchema>) => Promise<T>): Promise<T>;
  /**
   * A value equal to an earlier one only if nothing was committed to the database in between, by
   * anyone; null when it cannot tell. Absent where no cheap way exists (PostgreSQL): commit-memo.ts.
   */
  commitStamp?(): string | null;
  close(): Promise<void>;
}

/**
 * Serialises transactions that name the same `key` until they end: a PostgreSQL transaction-scoped
 * advisory lock. On SQLite every write transaction is already serialised (BEGIN IMMEDIATE).
 */
export async function serializeOn(handle: SqlHandle, trx: Kysely<SqlSchema>, key: string): Promise<void> {
  if (handle.dialect !== 'postgres') return;
  // Scoped by search_path: fleets (or tests) in other schemas of one database do not contend.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('vidforge:' || current_setting('search_path') || ':' || ${key}, 0))`.execute(
    trx,
  );
}
