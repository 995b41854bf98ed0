/**
 * Kysely's SqliteDialect with two changes that node:sqlite's synchronous API makes necessary:
 *
 * - Transactions start with `BEGIN IMMEDIATE`. A deferred transaction that reads and then writes
 *   gets SQLITE_BUSY at the upgrade without honouring busy_timeout; taking the write lock up front
 *   makes concurrent writers wait their turn instead.
 * - Every use of the connection first takes the file's in-process lock (see file-lock.ts).
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { AsyncLock } from './file-lock.ts';

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #lock: AsyncLock;
  #release: (() => void) | undefined;

  constructor(config: SqliteDialectConfig, lock: AsyncLock) {
    super(config);
    this.#lock = lock;
  }

  // Kysely already serialises use of this driver's single connection, so at most one acquire of
  // this driver is outstanding and one release slot suffices.
  override async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#lock.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #lock: AsyncLock;

  constructor(config: SqliteDialectConfig & { lock: AsyncLock }) {
    super(config);
    this.#config = config;
    this.#lock = config.lock;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#lock);
  }
}
