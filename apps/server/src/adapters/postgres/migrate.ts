/**
 * Applies the forward-only migrations (migrations/) to PostgreSQL. Many replicas may start at once
 * on an empty database: all steps run in one transaction that first takes a transaction-level
 * advisory lock, so the first replica applies them and the others wait for its commit, then find
 * them recorded and apply nothing. The lock goes with the transaction, even if its session dies.
 */
import { sql } from 'kysely';
import { checkSequence, type MigrationStep, pendingMigrations, stepName } from '../sql/schema-version.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { PostgresMigration } from './migrations/migration.ts';
import type { PostgresHandle } from './open.ts';

/** Raised when the schema is behind and this process may not migrate it (migrate: false). */
export class SchemaBehindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaBehindError';
  }
}

type Runner = Pick<PostgresHandle, 'db'>['db'];

/**
 * One lock per schema (search_path), not per database: deployments, and tests, in other schemas of
 * the same database migrate independently.
 */
const LOCK_KEY = sql`hashtextextended('vidforge:migrate:' || current_setting('search_path'), 0)`;

async function readApplied(db: Runner): Promise<MigrationStep[]> {
  const { rows } = await sql<{
    present: boolean;
  }>`select to_regclass('schema_migrations') is not null as present`.execute(db);
  if (!rows[0]?.present) return [];
  const applied = await sql<MigrationStep>`select version, name from schema_migrations order by version`.execute(db);
  return applied.rows;
}

/** The steps this call applied, in order; empty when the schema was current. Throws SchemaVersionError for a newer schema. */
export async function migratePostgres(
  handle: PostgresHandle,
  migrations: readonly PostgresMigration[] = MIGRATIONS,
): Promise<MigrationStep[]> {
  checkSequence(migrations);
  // A current schema is confirmed by a read, which takes no lock.
  if (pendingMigrations(migrations, await readApplied(handle.db)).length === 0) return [];

  return handle.transaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    if (handle.schema !== undefined) await sql`create schema if not exists ${sql.id(handle.schema)}`.execute(trx);
    await sql`create table if not exists schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`.execute(trx);
    // Read again under the lock: another replica may have applied them while this one waited.
    const todo = pendingMigrations(migrations, await readApplied(trx));
    for (const migration of todo) {
      for (const statement of migration.statements) await sql.raw(statement).execute(trx);
      await sql`insert into schema_migrations (version, name, applied_at)
        values (${migration.version}, ${migration.name}, (extract(epoch from clock_timestamp()) * 1000)::bigint)`.execute(
        trx,
      );
    }
    return todo.map(({ version, name }) => ({ version, name }));
  });
}

/**
 * For a process that must not migrate (migrate: false): refuses a schema that is behind, with what
 * the operator should run, and (SchemaVersionError) one that is ahead of this build.
 */
export async function checkPostgresSchema(
  handle: PostgresHandle,
  migrations: readonly PostgresMigration[] = MIGRATIONS,
): Promise<void> {
  checkSequence(migrations);
  const pending = pendingMigrations(migrations, await readApplied(handle.db));
  if (pending.length > 0) {
    throw new SchemaBehindError(
      `the database ${handle.target}${handle.schema ? ` (schema ${handle.schema})` : ''} is missing migrations ` +
        `${pending.map(stepName).join(', ')}; run \`vidforge migrate\` with this version first`,
    );
  }
}
