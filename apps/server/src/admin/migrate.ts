/**
 * `vidforge migrate`: applies the pending migrations to the configured database, the embedded
 * SQLite file or PostgreSQL, and says what it applied. A fleet runs it as a deploy step before
 * starting replicas of a new version; servers also migrate at start, under the same locks, so
 * running it is never required on one machine and never harmful anywhere.
 */
import { join } from 'node:path';
import { openSqlite } from '../adapters/sqlite/index.ts';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../adapters/sqlite/migrations/index.ts';
import { prepareDataDir } from '../boot/data-dir.ts';
import { StartupError } from '../boot/startup-error.ts';
import type { ServerConfig } from '../config/config.schema.ts';

export interface MigrateReport {
  database: 'sqlite' | 'postgres';
  /** The SQLite file, or the PostgreSQL URL without its password. */
  target: string;
  /** What this run applied, in order; empty when the schema was current. */
  applied: { version: number; name: string }[];
  /** The schema version the database is at now. */
  version: number;
}

export async function migrateDatabase(config: ServerConfig): Promise<MigrateReport> {
  return config.databaseUrl ? migratePostgresDatabase(config.databaseUrl) : migrateSqliteDatabase(config);
}

async function migratePostgresDatabase(url: string): Promise<MigrateReport> {
  // Loaded on use: the embedded mode's admin commands never load pg.
  const { migratePostgres, openPostgres } = await import('../adapters/postgres/index.ts');
  const { MIGRATIONS: POSTGRES_MIGRATIONS } = await import('../adapters/postgres/migrations/index.ts');
  let target: string | undefined;
  try {
    const handle = await openPostgres({ url, poolSize: 1, applicationName: 'vidforge migrate' });
    target = handle.target;
    try {
      const applied = await migratePostgres(handle);
      return { database: 'postgres', target, applied, version: POSTGRES_MIGRATIONS.length };
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Before the connection, openPostgres's own message names the database already.
    const where = target === undefined ? '' : ` ${target}`;
    throw new StartupError('storage', `cannot migrate${where}: ${(error as Error).message}`, { cause: error });
  }
}

async function migrateSqliteDatabase(config: ServerConfig): Promise<MigrateReport> {
  const file = join(await prepareDataDir(config.dataDir), 'vidforge.db');
  try {
    const handle = openSqlite({
      file,
      synchronous: config.sqliteSynchronous,
      busyTimeoutMs: config.sqliteBusyTimeoutMs,
    });
    await handle.close();
    const applied = SQLITE_MIGRATIONS.filter((m) => handle.migrated.includes(m.version)).map(({ version, name }) => ({
      version,
      name,
    }));
    return { database: 'sqlite', target: file, applied, version: SQLITE_MIGRATIONS.length };
  } catch (error) {
    throw new StartupError('storage', `cannot migrate the database ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
