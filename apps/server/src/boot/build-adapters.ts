/**
 * The storage side of the composition: which database holds the ledger and the stores, how
 * workers are woken, who reaps, and whose clock leases are written in. One function for `vidforge
 * serve` and the admin commands, so both always open the same database the same way.
 *
 *   embedded (no VIDFORGE_DATABASE_URL): the SQLite file in the data directory, in-process
 *     wake-ups, an always-held reaper lock, the local clock;
 *   fleet (VIDFORGE_DATABASE_URL=postgres://…): PostgreSQL, LISTEN/NOTIFY wake-ups, an advisory
 *     lock for the reaper, and the database server's clock, so hosts agree on lease expiries.
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
  /** What /readyz checks beyond its write: the storage is the one opened (SQLite: the same file). */
  checkStorage(): void;
  /** Runs `fn` on one process at a time (first-run setup of replicas starting together). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** For logs: where the data is. */
  describe: string;
}

export interface BuildAdaptersOptions {
  /** Overrides the clock (tests); otherwise the local clock, or the database's in a fleet. */
  clock?: Clock;
  log?: { warn(fields: { err?: unknown; [key: string]: unknown }, message: string): void };
}

export async function buildAdapters(
  config: ServerConfig,
  dataDir: string,
  options: BuildAdaptersOptions = {},
): Promise<Adapters> {
  return config.databaseUrl
    ? openFleetStorage(config, config.databaseUrl, options)
    : openEmbeddedStorage(config, dataDir, options);
}

function openEmbeddedStorage(config: ServerConfig, dataDir: string, options: BuildAdaptersOptions): Adapters {
  const file = join(dataDir, 'vidforge.db');
  let sql: ReturnType<typeof openSqliteAdapters>;
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
    clock: options.clock ?? systemClock,
    checkStorage: () => handle.checkFile(),
    // One process opens a data directory's file for serving; its admin commands only add rows.
    exclusive: (_name, fn) => fn(),
    describe: `SQLite ${file}`,
    async close() {
      await signal.close();
      await sql.close();
    },
  };
}

async function openFleetStorage(config: ServerConfig, url: string, options: BuildAdaptersOptions): Promise<Adapters> {
  // Loaded on use: the embedded mode never loads pg.
  const pg = await import('../adapters/postgres/index.ts');
  const { runExclusive } = await import('../adapters/postgres/exclusive.ts');
  let sql: Awaited<ReturnType<typeof pg.openPostgresAdapters>>;
  try {
    // Migrations run under an advisory lock: replicas starting together apply them once.
    sql = await pg.openPostgresAdapters({ url, poolSize: config.databasePoolSize, log: options.log });
  } catch (error) {
    throw new StartupError('storage', `cannot open the database: ${(error as Error).message}`, { cause: error });
  }
  const { handle, ...stores } = sql;
  const opened: { close(): unknown }[] = [];
  try {
    let clock = options.clock;
    if (!clock) {
      const databaseClock = await pg.openDatabaseClock(handle);
      opened.push(databaseClock);
      clock = databaseClock;
    }
    const signal = await pg.openPostgresWorkSignal(handle);
    opened.push(signal);
    const leader = pg.createPostgresLeaderLock(handle);
    opened.push(leader);
    return {
      ...stores,
      signal,
      leader,
      clock,
      checkStorage: () => {},
      exclusive: (name, fn) => runExclusive(handle, name, fn),
      describe: `PostgreSQL ${handle.target}`,
      async close() {
        for (const part of opened.reverse()) await part.close();
        await sql.close();
      },
    };
  } catch (error) {
    for (const part of opened.reverse()) await part.close();
    await sql.close();
    throw new StartupError('storage', `cannot use the database ${handle.target}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
