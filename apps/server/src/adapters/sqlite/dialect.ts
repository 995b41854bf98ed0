/**
 * Kysely's SqliteDialect with what node:sqlite's synchronous API and a shared database file need:
 *
 * - Transactions start with `BEGIN IMMEDIATE`. A deferred transaction that reads and then writes
 *   gets SQLITE_BUSY at the upgrade without honouring busy_timeout; taking the write lock up front
 *   makes concurrent writers wait their turn instead.
 * - Every use of the connection first takes the file's in-process lock (see file-lock.ts).
 * - Waiting for another process's lock happens here, asynchronously: SQLite's own busy_timeout
 *   sleeps on the one thread that also serves every request, so a lock held elsewhere froze even
 *   /healthz for the whole timeout. busy_timeout is 0 at run time; a statement that meets
 *   SQLITE_BUSY outside a transaction (or the BEGIN itself, which has done nothing yet) is tried
 *   again after a short timer, until `busyTimeoutMs` has passed.
 * - Storage trouble (busy past the wait, read-only, full, I/O) becomes StorageUnavailableError.
 * - After each commit the file is checked to still be the one opened: a deleted or replaced file
 *   takes writes silently, and a client would be told its task was accepted when it is lost.
 * - A rollback after SQLite already aborted the transaction (SQLITE_FULL does) is skipped, so the
 *   caller sees that cause instead of "cannot rollback - no transaction is active".
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { AsyncLock } from './file-lock.ts';
import type { NodeSqliteDatabase } from './node-sqlite-database.ts';
import { retryWhileBusy, translateSqliteError } from './sqlite-errors.ts';

export interface StorageGuard {
  /** How long a statement waits, in all, for another process's lock. */
  busyTimeoutMs: number;
  /** Throws StorageUnavailableError when the database file is no longer the one opened. */
  checkFile(): void;
}

const BEGIN = 'begin immediate';

class GuardedConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #database: NodeSqliteDatabase;
  readonly #guard: StorageGuard;

  constructor(inner: DatabaseConnection, database: NodeSqliteDatabase, guard: StorageGuard) {
    this.#inner = inner;
    this.#database = database;
    this.#guard = guard;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // The BEGIN itself has done nothing yet; inside a transaction a statement is never retried.
    return retryWhileBusy(
      this.#guard.busyTimeoutMs,
      () => this.#inner.executeQuery<R>(query),
      () => !this.#database.inTransaction || query.sql === BEGIN,
    );
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.#inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #lock: AsyncLock;
  readonly #database: NodeSqliteDatabase;
  readonly #guard: StorageGuard;
  #release: (() => void) | undefined;

  constructor(config: ImmediateDialectConfig) {
    super(config);
    this.#lock = config.lock;
    this.#database = config.database;
    this.#guard = config.guard;
  }

  // Kysely already serialises use of this driver's single connection, so at most one acquire of
  // this driver is outstanding and one release slot suffices.
  override async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#lock.acquire();
    return new GuardedConnection(await super.acquireConnection(), this.#database, this.#guard);
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(BEGIN));
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#guard.checkFile();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#database.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
}

interface ImmediateDialectConfig extends SqliteDialectConfig {
  database: NodeSqliteDatabase;
  lock: AsyncLock;
  guard: StorageGuard;
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ImmediateDialectConfig;

  constructor(config: ImmediateDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
