/** Opens the embedded database: node:sqlite under Kysely, WAL, migrated to the current schema. */
import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Compilable, type CompiledQuery, isCompilable, Kysely, type QueryResult, SqliteDialect } from 'kysely';
import { StorageUnavailableError } from '../../ports/storage-errors.ts';
import type { SqlSchema } from '../sql/schema.ts';
import type { SqlHandle } from '../sql/sql-handle.ts';
import { openCommitStamp } from './commit-stamp.ts';
import { ImmediateSqliteDialect } from './dialect.ts';
import { useFileLock } from './file-lock.ts';
import { createGroupCommit } from './group-commit.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/migration.ts';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';
import { SQLITE_BUSY, sqliteCode, translateSqliteError } from './sqlite-errors.ts';

/**
 * NORMAL survives a crash of the process (kill -9) but may lose the last commits on power loss or
 * an OS crash; FULL also survives those, at the price of an fsync per commit.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface OpenSqliteOptions {
  /** Path of the database file; its directory is created when missing. ':memory:' for tests only. */
  file: string;
  synchronous?: SqliteSynchronous;
  /** How long a statement waits, in all, for another process's lock before the storage counts as unavailable. */
  busyTimeoutMs?: number;
  /** Overrides the migration list (tests of the migration runner only). */
  migrations?: readonly Migration[];
}

export interface SqliteHandle extends SqlHandle {
  readonly dialect: 'sqlite';
  readonly file: string;
  /** The migration versions this open applied, in order (empty when the file was current): `vidforge migrate` reports them. */
  readonly migrated: readonly number[];
  /** Throws StorageUnavailableError when the file at `file` is no longer the database opened. */
  checkFile(): void;
  /**
   * Runs one compiled query outside any transaction. When no handle on the file holds or awaits its
   * lock, the statement runs at once, synchronously, on the connection; otherwise it waits its turn
   * through Kysely like any query. Kysely's way costs several promise hops and the lock for every
   * query: measured at 17-21 µs over the statement itself on the bench machine, more than a poll's
   * SELECT costs (docs/performance.md). Used by the request path's compiled queries (prepared.ts).
   */
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /**
   * A write transaction on this connection, in its turn on the file's lock: what
   * `db.transaction().execute(fn)` does (BEGIN IMMEDIATE … COMMIT; a throw rolls back fn's writes
   * and rejects), except that transactions asked for together share one commit (group-commit.ts)
   * and that BEGIN and COMMIT run directly rather than as trips through Kysely. `fn` gets a Kysely
   * instance that runs on the connection without taking the lock, which the group holds.
   */
  transaction<T>(fn: (trx: Kysely<SqlSchema>) => Promise<T>): Promise<T>;
  /** Prepared statements currently cached (for tests and diagnostics). */
  cachedStatements(): number;
  close(): Promise<void>;
}

/**
 * Kysely on a connection whose lock the caller holds (inside transaction()): builder queries take
 * Kysely's usual way without a lock; compiled queries (prepared.ts) run at once.
 */
class HeldKysely extends Kysely<SqlSchema> {
  readonly #database: NodeSqliteDatabase;

  constructor(database: NodeSqliteDatabase) {
    super({ dialect: new SqliteDialect({ database }) });
    this.#database = database;
  }

  override executeQuery<R>(query: CompiledQuery<R> | Compilable<R>): Promise<QueryResult<R>> {
    const compiled = isCompilable(query) ? query.compile() : query;
    try {
      return Promise.resolve(this.#database.runNow<R>(compiled.sql, compiled.parameters));
    } catch (error) {
      return Promise.reject(translateSqliteError(error));
    }
  }
}

/**
 * Opens (creating when missing) and migrates the database. Synchronous, so the composition root can
 * build its adapters without awaiting; a refused or broken file throws here, at boot.
 */
export function openSqlite(options: OpenSqliteOptions): SqliteHandle {
  const synchronous = options.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new Error(`synchronous must be NORMAL or FULL, got ${JSON.stringify(synchronous)}`);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new Error(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  }
  const inMemory = options.file === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.file), { recursive: true });

  const raw = new DatabaseSync(options.file, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  let migrated: number[];
  try {
    raw.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!inMemory) {
      const mode = raw.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string } | undefined;
      if (mode?.journal_mode?.toLowerCase() !== 'wal') {
        throw new Error(`could not switch ${options.file} to WAL (journal_mode is ${mode?.journal_mode})`);
      }
    }
    raw.exec(`PRAGMA synchronous = ${synchronous}`);
    raw.exec('PRAGMA foreign_keys = ON');
    migrated = migrate(raw, options.migrations ?? MIGRATIONS);
    // From here on the dialect waits for other processes' locks on timers (see dialect.ts): the
    // synchronous busy wait above is for boot only.
    raw.exec('PRAGMA busy_timeout = 0');
  } catch (error) {
    raw.close();
    throw error;
  }

  const database = new NodeSqliteDatabase(raw);
  const realPath = inMemory ? null : realpathSync(options.file);
  const fileLock = useFileLock(realPath ?? `:memory:${randomUUID()}`);
  const stamp = realPath === null ? null : openCommitStamp(realPath);
  const guard = { busyTimeoutMs, checkFile: inMemory ? () => {} : fileIdentityCheck(options.file) };
  const db = new Kysely<SqlSchema>({
    dialect: new ImmediateSqliteDialect({ database, lock: fileLock.lock, guard }),
  });
  // Only ever used inside transaction() below, which holds the lock; never destroyed (db owns the connection).
  const held = new HeldKysely(database);
  let closing: Promise<void> | undefined;
  const transaction = createGroupCommit({
    raw,
    lock: fileLock.lock,
    held,
    guard,
    closed: () => closing !== undefined,
  });

  return {
    dialect: 'sqlite',
    db,
    file: options.file,
    migrated,
    checkFile: guard.checkFile,
    executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
      if (closing || !fileLock.lock.idle) return db.executeQuery(query);
      try {
        return Promise.resolve(database.runNow<R>(query.sql, query.parameters));
      } catch (error) {
        // Another process holds the lock: wait for it on timers, the dialect's way.
        if (sqliteCode(error) === SQLITE_BUSY) return db.executeQuery(query);
        return Promise.reject(translateSqliteError(error));
      }
    },
    transaction,
    ...(stamp ? { commitStamp: () => stamp.read() } : {}),
    cachedStatements: () => database.cachedStatements,
    close() {
      closing ??= (async () => {
        try {
          // Kysely closes the connection only if it ever used it; the close below covers the rest.
          await db.destroy();
        } finally {
          database.close();
          // After the connection: closing the -shm descriptor must not drop locks it still holds.
          stamp?.release();
          fileLock.done();
        }
      })();
      return closing;
    },
  };
}

/**
 * A database file deleted or replaced under a running server still takes writes (into the old,
 * unlinked inode) and loses them at the next start: compare the path's inode with the one opened.
 */
function fileIdentityCheck(file: string): () => void {
  const opened = statSync(file);
  return () => {
    let now: ReturnType<typeof statSync>;
    try {
      now = statSync(file);
    } catch {
      throw new StorageUnavailableError('Storage unavailable: the database file was deleted');
    }
    if (now.ino !== opened.ino || now.dev !== opened.dev) {
      throw new StorageUnavailableError('Storage unavailable: the database file was replaced');
    }
  };
}
