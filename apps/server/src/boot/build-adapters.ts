/**
 * The storage side of the composition: which database holds the ledger and the stores, how
 * workers are woken, who reaps. One function for `vidforge serve` and the admin commands, so both
 * always open the same database the same way.
 */
import { join } from 'node:path';
import { createLocalWorkSignal, localLeaderLock } from '../adapters/signal-local/index.ts';
import type { SqlAdapters } from '../adapters/sql/adapters.ts';
import { openSqliteAdapters } from '../adapters/sqlite/index.ts';
import type { ServerConfig } from '../config/config.schema.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { LeaderLock } from '../ports/leader-lock.ts';
import type { WorkSignal } from '../ports/work-signal.ts';
import { StartupError } from './startup-error.ts';

export interface Adapters extends Omit<SqlAdapters, 'handle'> {
  signal: WorkSignal;
  leader: LeaderLock;
  /** The time leases and deadlines are written in: the database's in a fleet. */
  clock: Clock;
  /** What /readyz checks beyond a write: the storage is the one opened (SQLite: the same file). */
  checkStorage(): void;
  /** For logs: where the data is. */
  describe: string;
}

export async function buildAdapters(
  config: ServerConfig,
  dataDir: string,
  clock: Clock = systemClock,
): Promise<Adapters> {
  const file = join(dataDir, 'vidforge.db');
  let sql: SqlAdapters<ReturnType<typeof openSqliteAdapters>['handle']>;
  try {
    sql = openSqliteAdapters({
      file,
      synchronous: config.sqliteSynchronous,
      busyTimeoutMs: config.sqliteBusyTimeoutMs,
    });
  } catch (error) {
    throw new StartupError('storage', `cannot open the database ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { handle, ...stores } = sql;
  const signal = createLocalWorkSignal();
  return {
    ...stores,
    signal,
    leader: localLeaderLock,
    clock,
    checkStorage: () => handle.checkFile(),
    describe: `SQLite ${file}`,
    async close() {
      await signal.close();
      await sql.close();
    },
  };
}
