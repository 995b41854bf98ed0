/**
 * PostgreSQL migrations against the real server: the same tables, columns and indexes as SQLite's
 * migrations, applied exactly once when several replicas start at once on an empty database,
 * refused when the database is ahead of this build, and only checked with migrate: false.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  migratePostgres,
  openPostgres,
  SchemaBehindError,
  SchemaVersionError,
} from '../../src/adapters/postgres/index.ts';
import { MIGRATIONS } from '../../src/adapters/postgres/migrations/index.ts';
import { openSqlite, SchemaVersionError as SqliteSchemaVersionError } from '../../src/adapters/sqlite/index.ts';
import {
  dropSchema,
  freshSchemaName,
  memoryLog,
  type PostgresTestBed,
  postgresTestBed,
  TEST_DATABASE_URL,
} from '../support/postgres.ts';
import { tempDir } from '../support/temp-dir.ts';

const ALL_STEPS = MIGRATIONS.map(({ version, name }) => ({ version, name }));

let bed: PostgresTestBed;
beforeEach(async () => {
  bed = await postgresTestBed();
});
afterEach(async () => {
  await bed?.cleanup();
});

/** table → sorted column names, and the names of the indexes a migration created, from SQLite. */
function sqliteShape(): { columns: Record<string, string[]>; indexes: string[] } {
  return withSqliteFile((raw) => {
    const tables = raw
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => String(row.name));
    const columns = Object.fromEntries(
      tables.map((table) => [
        table,
        raw
          .prepare(`PRAGMA table_info(${table})`)
          .all()
          .map((row) => String(row.name))
          .sort(),
      ]),
    );
    const indexes = raw
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
      .all()
      .map((row) => String(row.name));
    return { columns, indexes };
  });
}

let sqliteFile: { path: string; remove(): Promise<void> } | undefined;
function withSqliteFile<T>(fn: (raw: DatabaseSync) => T): T {
  const raw = new DatabaseSync(join(sqliteFile!.path, 'vidforge.db'), { readOnly: true });
  try {
    return fn(raw);
  } finally {
    raw.close();
  }
}

describe('PostgreSQL migrations', () => {
  it('create the tables, columns and named indexes of the SQLite migrations', async () => {
    sqliteFile = await tempDir('vidforge-pg-shape-');
    try {
      await openSqlite({ file: join(sqliteFile.path, 'vidforge.db') }).close();
      const expected = sqliteShape();

      const { handle } = await bed.openAdapters();
      const columns = await sql<{ table_name: string; column_name: string }>`
        select table_name, column_name from information_schema.columns where table_schema = ${bed.schema}
        order by table_name, column_name`.execute(handle.db);
      const actual: Record<string, string[]> = {};
      for (const row of columns.rows) actual[row.table_name] = [...(actual[row.table_name] ?? []), row.column_name];
      expect(actual).toEqual(expected.columns);

      // Primary keys and UNIQUE columns are indexes SQLite names itself (sqlite_autoindex_…) and
      // PostgreSQL names …_pkey / …_key: compare the indexes a migration names.
      const indexes = await sql<{ indexname: string }>`
        select indexname from pg_indexes where schemaname = ${bed.schema}
          and indexname not like '%\\_pkey' and indexname not like '%\\_key' order by indexname`.execute(handle.db);
      expect(indexes.rows.map((row) => row.indexname)).toEqual(expected.indexes);
    } finally {
      await sqliteFile.remove();
    }
  });

  it('record what they applied, and apply nothing to a current schema', async () => {
    const handle = await bed.open();
    expect(await migratePostgres(handle)).toEqual(ALL_STEPS);
    expect(await migratePostgres(handle)).toEqual([]);
    const { rows } = await sql<{
      version: number;
      name: string;
      applied_at: number;
    }>`select * from schema_migrations`.execute(handle.db);
    expect(rows).toEqual(ALL_STEPS.map((step) => ({ ...step, applied_at: expect.any(Number) })));
  });

  it('are applied exactly once when replicas start at once on an empty database', async () => {
    // A schema that does not exist yet, as for a first deploy: the migration creates it.
    const schema = freshSchemaName();
    bed.defer(() => dropSchema(schema));
    const handles = await Promise.all(
      Array.from({ length: 4 }, () => openPostgres({ url: TEST_DATABASE_URL, schema, poolSize: 1, log: memoryLog() })),
    );
    for (const handle of handles) bed.defer(() => handle.close());
    const applied = await Promise.all(handles.map((handle) => migratePostgres(handle)));
    expect(applied.filter((steps) => steps.length > 0)).toEqual([ALL_STEPS]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from schema_migrations`.execute(handles[0]!.db);
    expect(Number(rows[0]!.n)).toBe(ALL_STEPS.length);
  });

  it('refuse a database migrated by a newer version, with the SQLite error class', async () => {
    const handle = await bed.open();
    await migratePostgres(handle);
    const future = ALL_STEPS.length + 1;
    await sql`insert into schema_migrations values (${future}, 'from_the_future', 0)`.execute(handle.db);
    expect(SchemaVersionError).toBe(SqliteSchemaVersionError);
    await expect(bed.openAdapters()).rejects.toThrow(SchemaVersionError);
    await expect(bed.openAdapters({ migrate: false })).rejects.toThrow(
      new RegExp(`unknown migration ${String(future).padStart(3, '0')}_from_the_future`),
    );
  });

  it('with migrate: false, refuse a schema that is behind and say to run vidforge migrate', async () => {
    const error = await bed.openAdapters({ migrate: false }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SchemaBehindError);
    expect(error!.message).toContain(`(schema ${bed.schema}) is missing migrations 001_initial`);
    expect(error!.message).toContain('run `vidforge migrate`');

    await migratePostgres(await bed.open());
    const adapters = await bed.openAdapters({ migrate: false });
    expect(await adapters.access.countKeys()).toBe(0);
  });

  it('allow one open lease per task, and keep JSON columns JSON', async () => {
    const { handle } = await bed.openAdapters();
    await sql`insert into tasks (id, endpoint_id, key_id, type, engine, status, request, max_attempts,
      created_at, updated_at, deadline_at, run_after) values
      ('t1', 'e', 'k', 'generate', 'preview', 'IN_PROGRESS', '{}', 3, 1, 1, 2, 1)`.execute(handle.db);
    const attempt = (token: string, endedAt: number | null, outcome: string | null) =>
      sql`insert into task_attempts (task_id, attempt, lease_token, worker_id, started_at, lease_expires_at, ended_at, outcome)
        values ('t1', 1, ${token}, 'w', 1, 2, ${endedAt}, ${outcome})`.execute(handle.db);
    await attempt('a', 5, 'expired');
    await attempt('b', null, null);
    await expect(attempt('c', null, null)).rejects.toMatchObject({ code: '23505' });
    await expect(attempt('d', null, 'expired')).rejects.toMatchObject({ code: '23514' });
    const ids = await sql<{ id: unknown }>`select id from task_attempts order by id`.execute(handle.db);
    expect(ids.rows.map((row) => typeof row.id)).toEqual(['number', 'number']);

    await expect(
      sql`insert into endpoints values ('e1', 'p1', 'preview', 'not json', null, 1)`.execute(handle.db),
    ).rejects.toMatchObject({ code: '22P02' });
  });
});
