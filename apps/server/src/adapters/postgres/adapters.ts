/** The SQL-backed ports over PostgreSQL, on a schema migrated to this build (or refused). */
import { createSqlAdapters, type SqlAdapters } from '../sql/adapters.ts';
import { checkPostgresSchema, migratePostgres } from './migrate.ts';
import { type OpenPostgresOptions, openPostgres, type PostgresHandle } from './open.ts';

export type PostgresAdapters = SqlAdapters<PostgresHandle>;

export interface OpenPostgresAdaptersOptions extends OpenPostgresOptions {
  /**
   * Apply pending migrations at open (default). false: only check, and refuse a schema that is
   * behind, for fleets that migrate as a deploy step (`vidforge migrate`) and start replicas after.
   */
  migrate?: boolean;
}

export async function openPostgresAdapters(options: OpenPostgresAdaptersOptions): Promise<PostgresAdapters> {
  const handle = await openPostgres(options);
  try {
    if (options.migrate ?? true) await migratePostgres(handle);
    else await checkPostgresSchema(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return createSqlAdapters(handle);
}
